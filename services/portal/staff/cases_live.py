"""`/staff/cases/live`: the worklist page hears of a case's arrival as it happens.

The clerks' live stream (services/gateway/live.py) hands every gateway instance's streams
the queue items of the notifications service without holding a worker. The JSON API's
stream wants a bearer token; a page has its session cookie, so this stream reads the
session instead and listens on the same hub. A case's arrival is queued for its
department's clerks only (the notifications service's routing), and the hub hands a
department's item to that department's clerks and to admins, so another department's
arrival never reaches this stream. It says only *that* a case arrived, never which: the
page then asks for its own worklist again, and the applications service decides what this
clerk may see in it (their departments' cases).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from eventlet.queue import Empty
from nameko.web.handlers import HttpRequestHandler
from werkzeug.wrappers import Request, Response

from services.common.context import Caller
from services.common.identity import OFFICE
from services.gateway.http import ApiServer
from services.gateway.live import HEARTBEAT, RETRY_MS, STREAM_HEADERS, LiveHub
from services.portal.session import COOKIE, SessionCodec
from services.portal.settings import PortalSettings

ARRIVAL = "applications.application_submitted"
OPENING = f"retry: {RETRY_MS}\n: connected\n\n".encode()
ARRIVED = b"event: case_arrived\ndata: {}\n\n"


def arrivals(hub: LiveHub, caller: Caller) -> Iterator[bytes]:
    """The opening, then a bare event per case submitted and heartbeats, until it closes."""
    listener = hub.listen(caller.subject or "", caller.role or "", caller.departments)
    try:
        yield OPENING
        while not listener.closed:
            try:
                item = listener.queue.get(timeout=hub.settings.stream_heartbeat)
            except Empty:
                yield HEARTBEAT
                continue
            if listener.closed or not isinstance(item, Mapping):
                break
            if item.get("event_type") == ARRIVAL:
                yield ARRIVED
    finally:
        hub.forget(listener)


class CaseArrivals(HttpRequestHandler):
    """`@case_arrivals(url)`: the stream, for a signed-in clerk's or admin's session; served
    in the connection's own green thread. The decorated method is never called."""

    server = ApiServer()
    hub = LiveHub()

    def __init__(self, url: str, **kwargs) -> None:
        super().__init__("GET", url, **kwargs)

    def setup(self) -> None:
        super().setup()
        self.codec = SessionCodec(PortalSettings.from_config())

    def handle_request(self, request: Request) -> Response:
        request.shallow = False
        session, ended = self.codec.load(request.cookies.get(COOKIE))
        if ended or session.role not in OFFICE:
            return Response(status=403, headers={"Cache-Control": "no-store"})
        # eventlet gathers 4 KiB before it writes; an arrival must leave as soon as it comes
        request.environ["eventlet.minimum_write_chunk_size"] = 0
        return Response(
            arrivals(self.hub, session.caller),
            status=200,
            content_type="text/event-stream",
            headers=STREAM_HEADERS,
            direct_passthrough=True,
        )


case_arrivals = CaseArrivals.decorator
