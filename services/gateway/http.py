"""nameko's `@http` machinery, answering JSON only: the web server, its WSGI app and `api` routes.

Stock nameko renders routing errors as werkzeug HTML and exceptions as text. Here every
answer, including 404 and 405 from routing and 500 from a bug, is JSON from the error table,
and carries the request's correlation id in `X-Correlation-ID`.

A route checks its rate limit, verifies the caller's bearer token and loads its query and
body *before* a worker starts, and starts the worker with the caller (signed with the
gateway's identity key) and the correlation id in its context_data, which nameko forwards
in the headers of every RPC the worker makes; each service verifies the signature before
it believes the caller.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from functools import partial
from typing import Any, Final, Literal

import eventlet
from eventlet.event import Event
from marshmallow import Schema
from nameko.exceptions import ConfigurationError
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WsgiApp
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from werkzeug.wrappers import Request, Response

from services.common import metrics
from services.common.context import CORRELATION_ID_KEY, Caller, new_correlation_id
from services.common.errors import ServiceError
from services.common.identity import IdentitySigner
from services.common.logging import get_logger
from services.common.tracing import TRACEPARENT_KEY, start_span, traceparent_of, tracer_for
from services.common.web import CORRELATION_HEADER, PromptWebServer, json_response
from services.gateway.auth import TokenVerifier, bearer_token
from services.gateway.body import load_json_body
from services.gateway.client_address import client_key
from services.gateway.errors import RateLimited, describe
from services.gateway.query import load_query
from services.gateway.redis_limits import rate_limiter_from_config
from services.gateway.settings import AuthSettings, GatewaySettings, rate_limits_from_config

log = get_logger(__name__)

LISTEN_BACKLOG = 1024
# paths that answer JSON, even when nothing matches them; every other path is a page
API_PREFIXES = ("/api/", "/health")
_CORRELATION_ENVIRON_KEY = "rathaus.correlation_id"
_TRACEPARENT_ENVIRON_KEY = "rathaus.traceparent"  # the request's span, for its worker
# what a portal or proxy may pass as its request id; anything else is replaced
_SANE_CORRELATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")

# `roles=SIGN_IN_OPTIONAL`: anyone may call; a caller who sends a token is verified by it
SIGN_IN_OPTIONAL: Final = "optional"
Roles = tuple[str, ...] | Literal["optional"] | None


def error_response(error: BaseException, correlation_id: str | None) -> Response:
    answer = describe(error)
    if answer.status >= 500:
        log.error(
            "request_failed",
            code=answer.code,
            error=repr(error),
            correlation_id=correlation_id,
            exc_info=not isinstance(error, ServiceError),
        )
    elif answer.status in (401, 403):
        log.info(
            "request_refused",
            code=answer.code,
            reason=answer.message,
            correlation_id=correlation_id,
        )
    return json_response(answer.body(), answer.status, answer.headers)


def correlation_id_of(environ: dict) -> str:
    return environ[_CORRELATION_ENVIRON_KEY]


class ApiServer(PromptWebServer):
    """The shared web server: JSON errors, correlation ids, the token verifier, rate limits."""

    def setup(self) -> None:
        super().setup()
        self.settings = GatewaySettings.from_config()
        auth = AuthSettings.from_config()
        if not (auth.dev_login or auth.jwks_url):
            log.warning("nobody_can_sign_in", hint="set AUTH.jwks_url (or AUTH.dev_login)")
        self.verifier = TokenVerifier(auth)
        # the gateway vouches for the callers it verified, to every service it calls
        self.signer = IdentitySigner.from_config()
        # in Redis, shared by every instance, when RATE_LIMIT_REDIS_URL is set
        self.rate_limiter = rate_limiter_from_config()
        self.tracer = tracer_for(self.container.service_name)

    def start(self) -> None:
        if not self._starting:
            self._starting = True
            # nameko listens with eventlet's backlog of 50: a burst of citizens opening
            # connections at once (a popular slot released at 08:00) overflows it and
            # connections are dropped unanswered
            self._sock = eventlet.listen(self.bind_addr, backlog=LISTEN_BACKLOG)
            self._sock.settimeout(None)  # as nameko does: kombu issue 838
            self._serv = self.get_wsgi_server(self._sock, self.get_wsgi_app())
            self._gt = self.container.spawn_managed_thread(self.run)

    def stop(self) -> None:
        super().stop()
        self._close_rate_limiter()

    def kill(self) -> None:
        super().kill()
        self._close_rate_limiter()

    def _close_rate_limiter(self) -> None:
        # its Redis connections, when it has any; none when setup failed before making it
        limiter = getattr(self, "rate_limiter", None)
        if limiter is not None:
            limiter.close()

    def admit(self, limit: str, request: Request) -> None:
        """Refuse the request when its client has used up the limit named `limit`."""
        client = client_key(
            request.remote_addr or "",
            request.headers.get("X-Forwarded-For"),
            self.settings.trusted_proxies,
        )
        retry_after = self.rate_limiter.retry_after(limit, client)
        if retry_after is not None:
            raise RateLimited(
                f"Too many requests; try again in {retry_after} s.",
                {"limit": limit, "retry_after": retry_after},
            )

    def get_wsgi_app(self) -> ApiWsgiApp:
        return ApiWsgiApp(self)

    def context_data_from_headers(self, request: Request) -> dict[str, Any]:
        context_data = {CORRELATION_ID_KEY: correlation_id_of(request.environ)}
        traceparent = request.environ.get(_TRACEPARENT_ENVIRON_KEY)
        if traceparent is not None:
            context_data[TRACEPARENT_KEY] = traceparent
        return context_data


class ApiWsgiApp(WsgiApp):
    def __call__(self, environ, start_response):
        offered = environ.get("HTTP_X_CORRELATION_ID", "")
        correlation_id = (
            offered if _SANE_CORRELATION_ID.fullmatch(offered) else new_correlation_id()
        )
        environ[_CORRELATION_ENVIRON_KEY] = correlation_id
        span = _request_span(self.server.tracer, environ)
        request = Request(environ, shallow=True)
        started = time.perf_counter()
        route = metrics.UNMATCHED_ROUTE
        try:
            provider, values = self.url_map.bind_to_environ(environ).match()
            route = provider.url  # the rule's template, never the raw path: bounded labels
            request.path_values = values
            response = provider.handle_request(request)
        except Exception as error:  # werkzeug's NotFound and MethodNotAllowed among them
            pages = getattr(self.server, "page_errors", None)
            if pages is not None and not environ.get("PATH_INFO", "").startswith(API_PREFIXES):
                response = pages.page_for_unmatched(error, request)  # the portal's 404 page
            else:
                response = error_response(error, correlation_id)
        response.headers[CORRELATION_HEADER] = correlation_id
        if span is not None:
            _end_request_span(span, request.method, route, response.status_code)
        _count(route, environ.get("REQUEST_METHOD", ""), response.status_code, started)
        return response(environ, start_response)


def _request_span(tracer: Tracer | None, environ: dict) -> Span | None:
    """The request's server span, continuing the caller's W3C traceparent; None untraced.

    Named and labelled by the method and the route's template, never by the raw path or
    the client's address: those name a case or a person, and traces are kept elsewhere.
    """
    if tracer is None:
        return None
    method = environ.get("REQUEST_METHOD", "")
    span = start_span(
        tracer,
        method,
        kind=SpanKind.SERVER,
        parent=environ.get("HTTP_TRACEPARENT"),
        attributes={"http.request.method": method},
    )
    environ[_TRACEPARENT_ENVIRON_KEY] = traceparent_of(span)
    return span


def _end_request_span(span: Span, method: str, route: str, status: int) -> None:
    span.update_name(f"{method} {route}")
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))
    span.end()


def _count(route: str, method: str, status: int, started: float) -> None:
    method = metrics.http_method_label(method)
    metrics.HTTP_REQUESTS.labels(route, method, str(status)).inc()
    metrics.HTTP_SECONDS.labels(route, method).observe(time.perf_counter() - started)


class Route(HttpRequestHandler):
    """One JSON route: `@api("POST", "/api/v1/...", roles=..., body=Schema, response=Schema)`.

    `roles=None` is open to anyone; `roles=SIGN_IN_OPTIONAL` too, but a caller who sends
    an Authorization header must be valid and is known by it; otherwise the caller needs a
    valid token and one of the roles. `rate_limit` names a limit (RATE_LIMITS) that each
    client address is held to, before anything else is done. `query` is a schema for the
    query string, `body` one for the JSON body; both refuse unknown keys.

    The method gets `(request)`, or `(request, body)` with the loaded body, plus the path's
    values and, with a `query` schema, the loaded query as the keyword `query`; it returns
    the payload or `(status, payload)`, dumped through the `response` schema unless
    `dump_response=False` (the service answers in that shape already, and dumping tens of
    thousands of values costs more than the query) or the schema is the service's own (the
    service dumped its answer through it). For OpenAPI, `responses` describes
    those statuses and `errors` the ServiceErrors the route may answer besides the ones
    every route of its kind may. `enabled` (a function of the configuration) decides at
    start-up whether the route exists at all.
    """

    server = ApiServer()

    def __init__(
        self,
        method: str,
        url: str,
        *,
        roles: Roles = None,
        rate_limit: str | None = None,
        query: type[Schema] | None = None,
        body: type[Schema] | None = None,
        response: type[Schema] | None = None,
        responses: dict[int, str] | None = None,
        errors: tuple[type[ServiceError], ...] = (),
        dump_response: bool = True,
        enabled: Callable[[], bool] | None = None,
        **kwargs,
    ) -> None:
        kwargs.setdefault("expected_exceptions", (ServiceError,))
        super().__init__(method, url, **kwargs)
        self.roles = roles
        self.rate_limit = rate_limit
        self.query = query
        self.body = body
        self.response = response
        self.responses = responses or {200: "OK"}
        self.errors = errors
        # a schema a service owns has dumped the answer already, in the service
        self.dump_response = dump_response and not _owned_by_a_service(response)
        self.enabled = enabled

    def is_enabled(self) -> bool:
        return self.enabled is None or self.enabled()

    def setup(self) -> None:
        if not self.is_enabled():
            return
        if self.rate_limit is not None and self.rate_limit not in rate_limits_from_config():
            raise ConfigurationError(
                f"{self.method_name} names the rate limit {self.rate_limit!r}, "
                "which RATE_LIMITS does not define."
            )
        super().setup()

    def handle_request(self, request: Request) -> Response:
        request.shallow = False
        try:
            if self.rate_limit is not None:
                self.server.admit(self.rate_limit, request)
            context_data = {
                **self.server.context_data_from_headers(request),
                **self.server.signer.context_for(self.authenticate(request)),
            }
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            event = Event()
            self.container.spawn_worker(
                self,
                args,
                kwargs,
                context_data=context_data,
                handle_result=partial(self.handle_result, event),
            )
            return self.response_from_result(event.wait())
        except Exception as error:
            return self.response_from_exception(error, request)

    def authenticate(self, request: Request) -> Caller:
        authorization = request.headers.get("Authorization")
        if self.roles is None or (self.roles == SIGN_IN_OPTIONAL and authorization is None):
            return Caller(subject=None, role=None)
        caller = self.server.verifier.verify(bearer_token(authorization))
        return caller if self.roles == SIGN_IN_OPTIONAL else caller.require(*self.roles)

    def get_entrypoint_parameters(self, request: Request):
        args: tuple = (request,)
        kwargs = dict(request.path_values)
        if self.query is not None:
            kwargs["query"] = load_query(request.args, self.query())
        if self.body is not None:
            limit = self.server.settings.max_body_bytes
            args = (request, load_json_body(request, self.body(), limit))
        return args, kwargs

    def response_from_result(self, result: Any) -> Response:
        status, payload = result if isinstance(result, tuple) else (200, result)
        if self.response is not None and self.dump_response:
            payload = self.response().dump(payload)
        return json_response(payload, status)

    def response_from_exception(self, exc: BaseException, request: Request | None = None):
        correlation_id = correlation_id_of(request.environ) if request is not None else None
        return error_response(exc, correlation_id)


api = Route.decorator


def _owned_by_a_service(schema: type[Schema] | None) -> bool:
    """Whether `schema` is a service's own output schema (services.<service>...), which the
    service dumps its answers through (`@rpc(answers=...)`), rather than the gateway's."""
    module = getattr(schema, "__module__", "")
    return module.startswith("services.") and not module.startswith("services.gateway")
