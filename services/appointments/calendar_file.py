"""The appointment as an iCalendar file (.ics) for the citizen's calendar.

Times are written in the office's zone with its VTIMEZONE, so a calendar shows 09:00 for
a 09:00 appointment whatever zone the citizen's device is in and whichever side of a
clock change the booking and the appointment fall. A cancellation is the same event
(same UID) with METHOD:CANCEL; a higher SEQUENCE replaces what was sent before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import icalendar

from services.appointments.opening import to_local

PRODUCT_ID = "-//Rathaus Online//Appointments//DE"
UID_DOMAIN = "appointments.rathaus-online"


@dataclass(frozen=True)
class CalendarEntry:
    appointment_id: str
    start_minute: int
    end_minute: int
    summary: str
    location: str
    description: str
    sequence: int
    stamp: datetime


def render(entry: CalendarEntry, *, cancelled: bool = False) -> str:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"{entry.appointment_id}@{UID_DOMAIN}")
    event.add("dtstamp", entry.stamp)
    event.add("dtstart", to_local(entry.start_minute))
    event.add("dtend", to_local(entry.end_minute))
    event.add("summary", entry.summary)
    event.add("location", entry.location)
    event.add("description", entry.description)
    event.add("sequence", entry.sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")
