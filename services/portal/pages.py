"""`@page`: one page of the portal, served by the gateway's web server as HTML.

Before a worker starts, a page reads the session from its cookie (a session idle too long
has ended), takes a language the visitor chose (`?lang=en`), refuses a form whose CSRF
token is not the session's, and sends a visitor who must sign in to the sign-in page.
The worker gets a `Visit` (the request and the session, which it may replace) and the
caller, signed as the JSON API signs it, in its context; it returns `Rendered` or
`Redirect`. Errors become pages in the portal's style in the visitor's language: never a
stack trace, never JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from eventlet.event import Event
from nameko.web.handlers import HttpRequestHandler
from werkzeug.datastructures import iter_multi_items
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from services.common.errors import ServiceError
from services.common.logging import get_logger
from services.gateway.http import ApiServer, correlation_id_of
from services.portal.i18n import LANGUAGES, chosen_language
from services.portal.rendering import (
    Redirect,
    Rendered,
    compress,
    page_response,
    render,
    secure,
)
from services.portal.session import COOKIE, Session, SessionCodec, csrf_matches, masked_csrf
from services.portal.settings import PortalSettings
from services.portal.staff.areas import areas_for

log = get_logger(__name__)

SIGN_IN = "/sign-in"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass
class Visit:
    """One request to a page: what the worker reads, and the session it may change."""

    request: Request
    session: Session
    correlation_id: str
    # the form's fields, each a list (a checkbox group, a multi-select)
    form: dict[str, list[str]] = field(default_factory=dict)

    def value(self, name: str, default: str = "") -> str:
        values = self.form.get(name) or [self.request.args.get(name, default)]
        return (values[0] or "").strip()

    def tell(self, notice: str) -> None:
        """A note the next page shows once ("Your appointment is cancelled.")."""
        self.session = self.session.with_notice(notice)


class FormExpired(ServiceError):
    code = "form_expired"
    http_status = 400


class SessionEnded(ServiceError):
    code = "session_ended"
    http_status = 401


class PageForbidden(ServiceError):
    code = "forbidden"
    http_status = 403


class Page(HttpRequestHandler):
    """`@page("GET", "/appointments", roles=None)`; `roles` names who must be signed in."""

    server = ApiServer()

    def __init__(self, method: str, url: str, *, roles: tuple[str, ...] | None = None, **kwargs):
        kwargs.setdefault("expected_exceptions", (ServiceError,))
        super().__init__(method, url, **kwargs)
        self.roles = roles

    def setup(self) -> None:
        super().setup()
        self.settings = PortalSettings.from_config()
        self.codec = SessionCodec(self.settings)
        self.server.page_errors = self  # unmatched paths outside the API get pages too

    def handle_request(self, request: Request) -> Response:
        request.shallow = False
        session, ended = self.codec.load(request.cookies.get(COOKIE))
        session = session.with_language(chosen_language(request.args.get("lang"), session.language))
        visit = Visit(request, session, correlation_id_of(request.environ))
        try:
            if request.method == "POST":
                visit.form = request.form.to_dict(flat=False)
            if request.method not in SAFE_METHODS:  # a script sends the token as a header
                sent = request.headers.get(CSRF_HEADER) or visit.value("csrf_token")
                if not csrf_matches(sent, session.csrf):
                    raise FormExpired("The form was not sent from this page, or too long ago.")
            if self.roles is not None:
                if ended:
                    raise SessionEnded("The session has ended.")
                if not session.signed_in:
                    return self._answer(visit, Redirect(sign_in_path(request)))
                if session.role not in self.roles:
                    raise PageForbidden("This page is not for this account.")
            result = self._run(visit)
        except Exception as error:
            result = self.error_page(error, visit)
        return self._answer(visit, result)

    def _run(self, visit: Visit) -> Any:
        # the correlation id and the request's traceparent, so a page's RPCs join its trace
        context_data = {
            **self.server.context_data_from_headers(visit.request),
            **self.server.signer.context_for(visit.session.caller),
        }
        event = Event()
        self.container.spawn_worker(
            self,
            (visit,),
            dict(visit.request.path_values),
            context_data=context_data,
            handle_result=partial(self.handle_result, event),
        )
        return event.wait()

    def handle_result(self, event, worker_ctx, result, exc_info):
        event.send(result, exc_info)
        return result, exc_info

    def _answer(self, visit: Visit, result: Rendered | Redirect | Response) -> Response:
        if isinstance(result, Redirect):
            response = Response(status=result.status, headers={"Location": result.location})
            secure(response)
        elif isinstance(result, Rendered):
            context = {**base_context(visit), **result.context}
            body = render(visit.session.language, result.template, context)
            response = page_response(body, result.status, self.settings.tile_url)
            compress(response, visit.request)
            visit.session = visit.session.with_notice(None)  # shown once
        else:
            response = result
        response.set_cookie(COOKIE, self.codec.dump(visit.session), **self.codec.cookie_options())
        return response

    def error_page(self, error: BaseException, visit: Visit) -> Rendered:
        if isinstance(error, SessionEnded):
            visit.session = visit.session.signed_out()
            return Rendered(
                "errors/session_ended.html", {"next": visit.request.full_path}, status=401
            )
        if isinstance(error, NotFound | MethodNotAllowed):
            return Rendered("errors/not_found.html", status=404)
        if isinstance(error, ServiceError):
            log.info("page_refused", code=error.code, path=visit.request.path)
            status = error.http_status if 400 <= error.http_status < 600 else 400
            return Rendered("errors/refused.html", {"code": error.code}, status=status)
        log.error("page_failed", error=repr(error), exc_info=error)
        return Rendered("errors/failed.html", status=500)

    def page_for_unmatched(self, error: BaseException, request: Request) -> Response:
        """The answer to a path outside the API that no page serves: the 404 page."""
        session, _ = self.codec.load(request.cookies.get(COOKIE))
        visit = Visit(request, session, correlation_id_of(request.environ))
        return self._answer(visit, self.error_page(error, visit))


page = Page.decorator


def base_context(visit: Visit) -> dict[str, Any]:
    """What every template may use."""
    session = visit.session
    return {
        "session": session,
        # masked afresh in every page, so that a compressed page does not give it away
        "csrf_token": masked_csrf(session.csrf),
        "notice": session.notice,
        "path": visit.request.path,
        "correlation_id": visit.correlation_id,
        "language_links": language_links(visit.request),
        "staff_areas": areas_for(session.role),
    }


def language_links(request: Request) -> dict[str, str]:
    """The same page in each language. A page drawn after a form (a POST) has no address of
    its own to open again: its links lead to the page the form was on."""
    path, query = request.path, list(iter_multi_items(request.args))
    if request.method != "GET":
        came_from = urlsplit(request.referrer or "")
        same_site = came_from.netloc == request.host and came_from.scheme in {"http", "https"}
        path, query = (came_from.path, parse_qsl(came_from.query)) if same_site else ("/", [])
    kept = [(name, value) for name, value in query if name != "lang"]
    return {language: f"{path}?{urlencode([*kept, ('lang', language)])}" for language in LANGUAGES}


def sign_in_path(request: Request) -> str:
    return f"{SIGN_IN}?next={quote(request.full_path.rstrip('?'), safe='/')}"


def field_errors(error: ServiceError) -> dict[str, list[str]]:
    """The fields an `invalid_input` names, each with the codes of what is wrong."""
    details = error.details if isinstance(error.details, dict) else {}
    return {
        name: messages if isinstance(messages, list) else [json.dumps(messages)]
        for name, messages in details.items()
        if isinstance(name, str)
    }
