"""The desk's live stream: each move in a location's queue pushed to the desks' lists and
to the hall's call display as Server-Sent Events.

The appointments service broadcasts `desk_queue_changed`, a transient event, on
`appointments.transient`; it carries a ticket number, a status and a desk, never a name.
It comes the way the clerks' queue items come (services/gateway/live.py): a queue of this
gateway instance's own hands each change, without a worker, to a hub of the streams open
here, and a stream takes the changes of its location. Neither the change nor the open
stream holds a worker, so a hall's display and every desk may keep one open all day.

A stream opens for a clerk's or an administrator's session, or for a display that shows
the key an operator configured for its location (desk_display.py): the display needs no
clerk signed in. The stream is a signal, not a record: a page that hears of a change reads
its list again, and one that reconnects reads it anyway.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from werkzeug.wrappers import Request, Response

from services.appointments.events import DeskQueueChanged
from services.common.identity import OFFICE
from services.common.logging import get_logger
from services.common.reach import SEES_ALL
from services.gateway.live import (
    Listener,
    LiveHub,
    TransientFeed,
    event_stream,
)
from services.portal.session import COOKIE
from services.portal.staff import desk_display
from services.portal.staff.streams import SessionStream

log = get_logger(__name__)

RETRY_MS = 2000
DISPLAY = "display"  # the role of a hall's display opened with its location's key
OPENING = f"retry: {RETRY_MS}\n: connected\n\n".encode()


def frame(change: Mapping[str, Any]) -> bytes:
    data = json.dumps(change, ensure_ascii=False, separators=(",", ":"))
    return f"event: desk\ndata: {data}\n\n".encode()


@dataclass(eq=False)
class DeskListener(Listener):
    """A stream of one location's queue."""

    location: str = ""

    def wants(self, item: Mapping[str, Any]) -> bool:
        if item.get("location") != self.location:
            return False
        # the hall's display shows what the hall sees; a clerk, their departments' desks
        department = item.get("department")
        return (
            self.role in (DISPLAY, SEES_ALL) or department is None or department in self.departments
        )


class DeskHub(LiveHub):
    """The desk streams open on this gateway instance."""

    def listen_at(
        self, location: str, subject: str, role: str, departments: tuple[str, ...] = ()
    ) -> DeskListener:
        backlog = self.settings.stream_backlog
        listener = self.add(DeskListener(subject, role, departments, backlog, location=location))
        log.info("desk_stream_opened", location=location, role=role, open=len(self.listeners))
        return listener

    def frames_at(
        self, location: str, subject: str, role: str, departments: tuple[str, ...] = ()
    ) -> Iterator[bytes]:
        """The opening, then the location's changes and heartbeats until the stream closes."""
        listening = partial(self.listen_at, location, subject, role, departments)
        return self.stream(listening, frame, OPENING)


class DeskChangeFeed(TransientFeed):
    """`@desk_changes`: every `desk_queue_changed`, to this instance's hub."""

    contract = DeskQueueChanged.contract
    hub = DeskHub()
    dropped = "desk_change_dropped"


desk_changes = DeskChangeFeed.decorator


class DeskStreamRoute(SessionStream):
    """`@desk_stream(url)`: a location's changes, for a clerk's session or the location's
    display."""

    hub = DeskHub()

    def handle_request(self, request: Request) -> Response:
        request.shallow = False
        location = request.path_values["location"]
        session, _ = self.codec.load(request.cookies.get(COOKIE))
        departments: tuple[str, ...] = ()
        if session.signed_in and session.role in OFFICE:
            subject, role = session.subject or "", session.role or ""
            departments = tuple(session.departments)
        elif desk_display.shows(request, location):
            subject, role = f"display:{location}", DISPLAY
        else:
            return Response(status=403, content_type="text/plain")
        return event_stream(request, self.hub.frames_at(location, subject, role, departments))


desk_stream = DeskStreamRoute.decorator
