"""The documents service's own HTTP listener: where content streams in and out.

Bytes never travel over RabbitMQ. The gateway, having checked the caller, streams a part
or a download through this listener (DOCUMENTS.data_address, reachable from the gateway
only), passing the signed caller and the correlation id in headers as RPC passes them in
context_data. Answers are JSON in the gateway's error shape, so that it can pass them on.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from eventlet.event import Event
from marshmallow import Schema
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WsgiApp, parse_address
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from services.common import answers
from services.common.context import CORRELATION_ID_KEY, new_correlation_id
from services.common.engine import unavailable_if_away
from services.common.errors import ServiceError
from services.common.identity import IDENTITY_HEADER, IDENTITY_KEY
from services.common.logging import get_logger
from services.common.web import (
    CORRELATION_HEADER,
    PromptWebServer,
    json_response,
)
from services.documents.settings import DocumentSettings

log = get_logger(__name__)


def error_answer(error: BaseException) -> Response:
    away = unavailable_if_away(error, "documents")
    if away is not None:
        log.warning("data_plane_database_away", error=repr(error))
        error = away
    if isinstance(error, ServiceError):
        return json_response({"error": error.as_dict()}, error.http_status)
    if isinstance(error, HTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.code or 500, "bad_request")
        body = {"code": code, "message": error.description, "details": None}
        return json_response({"error": body}, error.code or 400)
    log.error("data_plane_failed", error=repr(error), exc_info=error)
    body = {
        "code": "internal_error",
        "message": "Something went wrong on our side.",
        "details": None,
    }
    return json_response({"error": body}, 500)


class DataPlaneServer(PromptWebServer):
    @property
    def bind_addr(self):
        return parse_address(DocumentSettings.from_config().data_address)

    def get_wsgi_app(self) -> WsgiApp:
        return DataPlaneApp(self)

    def context_data_from_headers(self, request: Request) -> dict[str, Any]:
        return {
            CORRELATION_ID_KEY: request.headers.get(CORRELATION_HEADER) or new_correlation_id(),
            # verified by the worker's RequestContext, as an RPC's assertion is
            IDENTITY_KEY: request.headers.get(IDENTITY_HEADER),
        }


class DataPlaneApp(WsgiApp):
    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        try:
            provider, values = self.url_map.bind_to_environ(environ).match()
            request.path_values = values
            response = provider.handle_request(request)
        except Exception as error:  # werkzeug's NotFound and MethodNotAllowed among them
            response = error_answer(error)
        return response(environ, start_response)


class DataRoute(HttpRequestHandler):
    """A data plane route: its method gets the request (body unread) and returns a Response
    (a stream) or a JSON payload, or `(status, payload)`; a payload is dumped through the
    route's `answers` schema, checked as an RPC's answer is (services.common.answers)."""

    server = DataPlaneServer()

    def __init__(
        self, method: str, url: str, *, answers: type[Schema] | None = None, **kwargs
    ) -> None:
        kwargs.setdefault("expected_exceptions", (ServiceError,))
        super().__init__(method, url, **kwargs)
        self.answers = answers

    def handle_request(self, request: Request) -> Response:
        request.shallow = False
        try:
            args, kwargs = self.get_entrypoint_parameters(request)
            event = Event()
            self.container.spawn_worker(
                self,
                args,
                kwargs,
                context_data=self.server.context_data_from_headers(request),
                handle_result=partial(self.handle_result, event),
            )
            return self.response_from_result(event.wait())
        except Exception as error:
            return error_answer(error)

    def response_from_result(self, result: Any) -> Response:
        if isinstance(result, Response):
            return result
        status, payload = result if isinstance(result, tuple) else (200, result)
        if self.answers is not None:
            where = f"{self.container.service_name}.{self.method_name}"
            payload = answers.answer(self.answers, payload, where=where)
        return json_response(payload, status)


data_route = DataRoute.decorator
