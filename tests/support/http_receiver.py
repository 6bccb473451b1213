"""A small HTTP server in the test process that records requests: a webhook's receiver or an
SMS provider, at the platform's outer edge. It answers the statuses it is told to."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Self

import eventlet
import eventlet.wsgi


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class LoopbackServer:
    """A WSGI app of the test's own served on a free port of 127.0.0.1 in a greenthread."""

    def start(self) -> Self:
        self.socket = eventlet.listen(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.thread = eventlet.spawn(
            eventlet.wsgi.server, self.socket, self.app, log_output=False, log=Quiet()
        )
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self, environ, start_response):
        raise NotImplementedError

    def stop(self) -> None:
        self.thread.kill()
        self.socket.close()


class HttpReceiver(LoopbackServer):
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.statuses: deque[int] = deque()  # answered in turn; then `status`
        self.status = 200

    def app(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        headers["Content-Type"] = environ.get("CONTENT_TYPE", "")
        self.received.append(
            Received(
                environ["REQUEST_METHOD"],
                environ["PATH_INFO"],
                headers,
                environ["wsgi.input"].read(length),
            )
        )
        status = self.statuses.popleft() if self.statuses else self.status
        start_response(f"{status} Answer", [("Content-Type", "text/plain")])
        return [f"answered {status}".encode()]


class Quiet:
    """A log for eventlet's wsgi server that keeps quiet."""

    def write(self, *_args) -> None:
        pass
