"""Signing in and out of the portal.

Where the identity provider is configured, sign-in is the OpenID Connect authorization
code flow with PKCE; on a developer's machine (AUTH.dev_login) it is a form that signs in
anyone, as the JSON API's dev login does. Either way the session cookie then carries who
signed in, and every page calls the services as that person, signed by the gateway.
"""

from __future__ import annotations

from dataclasses import replace

from services.common.identity import (
    OFFICE,
    ROLES,
    Caller,
    clean_name,
    is_department,
    is_plain_subject,
)
from services.common.logging import get_logger
from services.gateway.settings import AuthSettings
from services.portal.oidc import IdentityProvider, Provider, pending_sign_in
from services.portal.pages import Visit, page
from services.portal.rendering import Redirect, Rendered

log = get_logger(__name__)


STAFF_HOME = "/staff"


def safe_next(target: str) -> str:
    """Where to go after signing in: a path of this site only, never another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def landing(caller: Caller, target: str) -> str:
    """Where a sign-in ends: the page asked for, else staff start in their workspace."""
    target = safe_next(target)
    return STAFF_HOME if target == "/" and caller.role in OFFICE else target


def departments_typed(typed: str) -> tuple[tuple[str, ...], bool]:
    """The departments a development sign-in names, separated by commas or spaces, each
    once; and whether every one is a department's name."""
    names = [name for name in typed.replace(",", " ").split() if name]
    return tuple(dict.fromkeys(names)), all(is_department(name) for name in names)


class SignInPages:
    identity_provider: Provider | None = IdentityProvider()  # type: ignore[assignment]

    @page("GET", "/sign-in")
    def sign_in_form_page(self, visit: Visit) -> Rendered | Redirect:
        provider = self.identity_provider
        if provider is None:
            blank = {"subject": "", "name": "", "role": "citizen", "departments": ""}
            return self._form(visit, {}, blank)
        pending = pending_sign_in(safe_next(visit.value("next")))
        visit.session = replace(visit.session, pending_sign_in=pending)
        return Redirect(provider.authorization_url(pending))

    @page("GET", "/sign-in/callback")
    def sign_in_callback_page(self, visit: Visit) -> Rendered | Redirect:
        provider = self.identity_provider
        if provider is None:
            return Rendered("errors/not_found.html", status=404)
        pending = visit.session.pending_sign_in
        # one answer per sign-in started: a refused or replayed callback starts over
        visit.session = replace(visit.session, pending_sign_in=None)
        caller = provider.sign_in(pending, visit.request.args.to_dict())
        log.info("signed_in", role=caller.role)
        visit.session = visit.session.signed_in_as(caller)
        return Redirect(landing(caller, (pending or {}).get("next", "/")))

    @page("POST", "/sign-in")
    def sign_in_page(self, visit: Visit) -> Rendered | Redirect:
        entered = {name: visit.value(name) for name in ("subject", "name", "role", "departments")}
        errors = {}
        if not AuthSettings.from_config().dev_login or self.identity_provider is not None:
            return Rendered("errors/not_found.html", status=404)
        if not is_plain_subject(entered["subject"]):
            errors["subject"] = ["sign_in.subject_invalid"]
        if entered["role"] not in ROLES:
            errors["role"] = ["form.required"]
        departments, named_well = departments_typed(entered["departments"])
        if not named_well:
            errors["departments"] = ["sign_in.departments_invalid"]
        if errors:
            return self._form(visit, errors, entered, status=400)
        caller = Caller(
            entered["subject"], entered["role"], departments, clean_name(entered["name"])
        )
        visit.session = visit.session.signed_in_as(caller)
        return Redirect(landing(caller, visit.value("next")))

    @page("POST", "/sign-out")
    def sign_out_page(self, visit: Visit) -> Redirect:
        visit.session = visit.session.signed_out().with_notice("sign_in.signed_out")
        return Redirect("/")

    def _form(self, visit: Visit, errors: dict, entered: dict, status: int = 200) -> Rendered:
        return Rendered(
            "sign_in.html",
            {
                "errors": errors,
                "entered": entered,
                "next": safe_next(visit.value("next")),
                "dev_login": AuthSettings.from_config().dev_login,
                "roles": ROLES,
            },
            status=status,
        )
