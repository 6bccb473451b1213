"""HTTP plumbing shared by the gateway and the documents data plane (nameko's web server)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

from nameko.web.server import WebServer
from werkzeug.routing import Map
from werkzeug.wrappers import Response

READ_PIECE = 1024 * 1024
CORRELATION_HEADER = "X-Correlation-ID"


def json_response(payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(
        json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers.extend(headers or {})
    return response


class PromptWebServer(WebServer):
    """nameko's server, answering without Nagle's delay and routing without redirects."""

    def process_request(self, sock, address) -> None:
        # eventlet writes a response's head and body separately; with Nagle's algorithm the
        # body then waits for the client's delayed ACK: 40 ms added to every small answer
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().process_request(sock, address)

    def kill(self) -> None:
        # nameko closes the listening socket in stop() alone: a killed container kept its
        # port, refusing a restart on it, until the garbage collector came by
        if self._sock is not None:
            self._sock.close()
        super().kill()

    def make_url_map(self) -> Map:
        # no redirects (werkzeug would answer them in HTML): a path matches or is not found
        url_map = Map(strict_slashes=False, merge_slashes=False)
        for provider in self._providers:
            rule = provider.get_url_rule()
            rule.endpoint = provider
            url_map.add(rule)
        return url_map


def exact_body(stream, length: int, cut_short: Callable[[int], Exception]) -> Iterator[bytes]:
    """Exactly `length` bytes of a request body, a MiB at a time; a body that ends early (the
    client went away) raises `cut_short(bytes received)`."""
    remaining = length
    while remaining > 0:
        try:
            piece = stream.read(min(READ_PIECE, remaining))
        except (OSError, ValueError):  # a reset connection, a broken chunked body
            piece = b""
        if not piece:
            raise cut_short(length - remaining)
        remaining -= len(piece)
        yield piece
