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
from functools import partial
from typing import Any

from werkzeug.wrappers import Request, Response

from services.common.context import Caller
from services.common.identity import OFFICE
from services.gateway.live import RETRY_MS, LiveHub, event_stream
from services.portal.session import COOKIE
from services.portal.staff.streams import SessionStream

ARRIVAL = "applications.application_submitted"
OPENING = f"retry: {RETRY_MS}\n: connected\n\n".encode()
ARRIVED = b"event: case_arrived\ndata: {}\n\n"


def arrivals(hub: LiveHub, caller: Caller) -> Iterator[bytes]:
    """The opening, then a bare event per case submitted and heartbeats, until it closes."""
    listen = partial(hub.listen, caller.subject or "", caller.role or "", caller.departments)
    return hub.stream(listen, _arrival, OPENING)


def _arrival(item: Mapping[str, Any]) -> bytes | None:
    return ARRIVED if item.get("event_type") == ARRIVAL else None


class CaseArrivals(SessionStream):
    """`@case_arrivals(url)`: the stream, for a signed-in clerk's or admin's session."""

    hub = LiveHub()

    def handle_request(self, request: Request) -> Response:
        request.shallow = False
        session, ended = self.codec.load(request.cookies.get(COOKIE))
        if ended or session.role not in OFFICE:
            return Response(status=403, headers={"Cache-Control": "no-store"})
        return event_stream(request, arrivals(self.hub, session.caller))


case_arrivals = CaseArrivals.decorator
