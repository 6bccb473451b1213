"""Whether this process's services run: `/livez` and `/readyz` beside `/metrics`, for probes.

Kubernetes asks these on the metrics port (9464), which every process serves, workers too:

- `/livez` answers 200 whenever the process answers at all. The server is a greenthread on
  the same eventlet hub as the services, so a hub that blocks (a call stuck in C code, a
  loop that never yields) stops answering it, and the liveness probe restarts the pod. A
  broker or database outage does not: nameko reconnects by itself.
- `/readyz` answers 200 from the moment every service of the process has started (its
  consumers are on their queues, the gateway listens) until it is told to stop; 503 before
  and after, with the phase in the body. The startup probe waits on it.
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

STARTING, RUNNING, STOPPING = "starting", "running", "stopping"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ProcessHealth:
    """The phase of this process's services: starting, running or stopping."""

    def __init__(self) -> None:
        self.phase = STARTING

    def running(self) -> None:
        self.phase = RUNNING

    def stopping(self) -> None:
        self.phase = STOPPING


PROCESS = ProcessHealth()


def with_health(app: WsgiApp, health: ProcessHealth = PROCESS) -> WsgiApp:
    """`app` (the metrics), with `/livez` and `/readyz` answered in front of it."""

    def answer(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/livez":
            status, body = "200 OK", f"alive ({health.phase})\n"
        elif path == "/readyz":
            ready = health.phase == RUNNING
            status = "200 OK" if ready else "503 Service Unavailable"
            body = f"{health.phase}\n"
        else:
            return app(environ, start_response)
        start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
        return [body.encode()]

    return answer


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a probe left hanging never holds the process at exit


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Probes and scrapes every few seconds: not worth a log line each."""


def serve(
    host: str, port: int, app: WsgiApp, health: ProcessHealth = PROCESS
) -> socketserver.BaseServer:
    """Serve `app` with the health answers at host:port from a (green) thread of its own."""
    server = make_server(host, port, with_health(app, health), _ThreadingServer, _QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
