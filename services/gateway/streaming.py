"""Routes whose bodies stream between a portal and a service's own listener, past any worker.

An upload of gigabytes, or a download, neither passes through RabbitMQ nor waits in the
gateway's memory: the gateway checks the caller (and the rate limit) as for any route,
then relays the bytes a MiB at a time to the service's data plane and its answer back.
It holds no worker while it does so: a dozen citizens uploading over slow phone
connections must not leave the JSON API without workers.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from services.common.errors import LengthRequired, ServiceUnavailable
from services.common.identity import IDENTITY_HEADER, IDENTITY_KEY
from services.common.web import (
    CORRELATION_HEADER,
    exact_body,
)
from services.gateway.errors import BadRequest
from services.gateway.http import Route, correlation_id_of
from services.gateway.settings import GatewaySettings

PIECE = 1024 * 1024
# what a portal's request may carry on to the service, and the service's answer back
REQUEST_HEADERS = ("Content-Type", "X-Content-SHA256")
ANSWER_HEADERS = (
    "Content-Type",
    "Content-Length",
    "Content-Disposition",
    "Cache-Control",
    "ETag",
    "X-Content-SHA256",
    "X-Content-Type-Options",
    "Retry-After",
)
BINARY = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}


class StreamRoute(Route):
    """`@stream(method, url, upstream=..., path=...)`: relayed to `upstream(settings)` + `path`,
    the path's placeholders filled from the URL's, waiting up to GATEWAY.stream_timeout. The
    decorated method only documents it."""

    def __init__(
        self,
        method: str,
        url: str,
        *,
        upstream: Callable[[GatewaySettings], str],
        path: str,
        request_content: dict[str, Any] | None = None,
        response_content: dict[str, Any] | None = None,
        headers: tuple[dict[str, Any], ...] = (),
        **kwargs,
    ) -> None:
        super().__init__(method, url, **kwargs)
        self.upstream = upstream
        self.path = path
        self.request_content = request_content
        self.response_content = response_content
        self.header_parameters = headers

    def handle_request(self, request: Request) -> Response:
        request.shallow = False
        try:
            if self.rate_limit is not None:
                self.server.admit(self.rate_limit, request)
            identity = self.server.signer.context_for(self.authenticate(request))
            settings = self.server.settings
            return relay(
                self.upstream(settings) + self.path.format(**request.path_values),
                request,
                identity.get(IDENTITY_KEY),
                correlation_id_of(request.environ),
                settings.stream_timeout,
            )
        except Exception as error:
            return self.response_from_exception(error, request)


stream = StreamRoute.decorator


def relay(url: str, request: Request, identity: str | None, correlation_id: str, timeout: float):
    target = urlsplit(url)
    headers = {name: request.headers[name] for name in REQUEST_HEADERS if name in request.headers}
    headers[CORRELATION_HEADER] = correlation_id
    if identity:  # the signed caller, verified by the listener as RPC verifies it
        headers[IDENTITY_HEADER] = identity
    if request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", ""):
        raise LengthRequired("Send the body with its Content-Length, not chunked.")
    length = request.content_length or 0
    headers["Content-Length"] = str(length)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=timeout)
    try:
        body = _body(request.environ["wsgi.input"], length) if length else None
        connection.request(request.method, target.path, body=body, headers=headers)
        answer = connection.getresponse()
    except (TimeoutError, ConnectionError, OSError, http.client.HTTPException) as error:
        connection.close()
        raise ServiceUnavailable(
            "The documents service is not reachable; try again shortly.", {"reason": repr(error)}
        ) from None
    except Exception:
        connection.close()  # the service sees the body end early and keeps nothing of it
        raise
    kept = {name: answer.headers[name] for name in ANSWER_HEADERS if name in answer.headers}
    return Response(
        _answer(answer, connection), status=answer.status, headers=kept, direct_passthrough=True
    )


def _body(stream, length: int) -> Iterator[bytes]:
    def cut_short(received: int) -> BadRequest:
        return BadRequest(
            "The body ended before its Content-Length; nothing of it was kept.",
            {"expected": length, "received": received},
        )

    return exact_body(stream, length, cut_short)


def _answer(
    answer: http.client.HTTPResponse, connection: http.client.HTTPConnection
) -> Iterator[bytes]:
    try:
        while piece := answer.read(PIECE):
            yield piece
    finally:
        connection.close()
