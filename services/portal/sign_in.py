"""Signing in and out of the portal.

Where the identity provider is configured, sign-in is the OpenID Connect authorization
code flow with PKCE; on a developer's machine (AUTH.dev_login) it is a form that signs in
anyone, as the JSON API's dev login does. Either way the session cookie then carries who
signed in, and every page calls the services as that person, signed by the gateway.
"""

from __future__ import annotations

from services.common.identity import ROLES, Caller, clean_name, is_plain_subject
from services.gateway.settings import AuthSettings
from services.portal.pages import Visit, page
from services.portal.rendering import Redirect, Rendered


def safe_next(target: str) -> str:
    """Where to go after signing in: a path of this site only, never another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


class SignInPages:
    @page("GET", "/sign-in")
    def sign_in_form_page(self, visit: Visit) -> Rendered:
        return self._form(visit, {}, {"subject": "", "name": "", "role": "citizen"})

    @page("POST", "/sign-in")
    def sign_in_page(self, visit: Visit) -> Rendered | Redirect:
        entered = {name: visit.value(name) for name in ("subject", "name", "role")}
        errors = {}
        if not AuthSettings.from_config().dev_login:
            return Rendered("errors/not_found.html", status=404)
        if not is_plain_subject(entered["subject"]):
            errors["subject"] = ["sign_in.subject_invalid"]
        if entered["role"] not in ROLES:
            errors["role"] = ["form.required"]
        if errors:
            return self._form(visit, errors, entered, status=400)
        caller = Caller(entered["subject"], entered["role"], (), clean_name(entered["name"]))
        visit.session = visit.session.signed_in_as(caller)
        return Redirect(safe_next(visit.value("next")))

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
