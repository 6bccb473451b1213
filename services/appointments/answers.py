"""What the appointments service answers over RPC: the contract of every structured answer.

Each RPC dumps its answer through its schema here (`@rpc(answers=...)`), and the gateway,
the portal and the OpenAPI document refer to these schemas instead of describing the
answers again. Dates and times are the ISO strings the service speaks. What the service
accepts is in schemas.py.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from services.common.answers import doc
from services.common.language import LANGUAGES

STATUSES = (
    "held",
    "confirmed",
    "cancelled",
    "hold_expired",
    "checked_in",
    "called",
    "completed",
    "no_show",
)


class _KeptIsoString:
    """A temporal field that checks its value, then keeps the ISO string it was given."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return super()._deserialize(value, attr, data, **kwargs).isoformat()

    def _serialize(self, value: Any, attr, obj, **kwargs) -> Any:
        return value if isinstance(value, str) else super()._serialize(value, attr, obj, **kwargs)


class IsoDate(_KeptIsoString, fields.Date):
    """A date: "2026-12-01"."""


class IsoDateTime(_KeptIsoString, fields.AwareDateTime):
    """A time with its UTC offset: "2026-12-01T09:00:00+01:00"."""


class PlainList(fields.List):
    """A list of plain values (strings, numbers) the service builds as such: passed on as
    it is. Dumped item by item, the times of a month of free slots at every location would
    cost an availability answer more than finding them."""

    def _serialize(self, value: Any, attr, obj, **kwargs) -> Any:
        return value


# the catalogue: a service's and a location's fields are those a put takes, and a key


class ServiceDefinition(Schema):
    name = fields.String(required=True)
    duration_units = fields.Integer(
        strict=True,
        required=True,
        metadata=doc("How many of a location's slots one appointment takes."),
    )
    documents = fields.List(fields.String(), metadata=doc("What to bring; none if left out."))


class OpeningHours(Schema):
    weekdays = fields.List(
        fields.Integer(strict=True),
        required=True,
        metadata=doc("ISO weekdays: 1 is Monday, 7 Sunday."),
    )
    start = fields.String(required=True, metadata=doc("HH:MM, local time."))
    end = fields.String(
        required=True, metadata=doc("HH:MM, local time; 24:00 is the end of the day.")
    )
    valid_from = IsoDate(allow_none=True, metadata=doc("From this day on; always if null."))
    valid_until = IsoDate(allow_none=True, metadata=doc("Up to this day; always if null."))
    every_n_weeks = fields.Integer(
        strict=True, metadata=doc("1 (the default): every week, 2: every other week, ...")
    )


class LocationDefinition(Schema):
    """A location; what is left out gets the service's default."""

    name = fields.String(required=True)
    address = fields.String(required=True)
    slot_minutes = fields.Integer(strict=True, metadata=doc("The length of one slot."))
    buffer_units = fields.Integer(
        strict=True, metadata=doc("Slots kept free after each appointment.")
    )
    min_notice_minutes = fields.Integer(
        strict=True, metadata=doc("How soon before a slot it may be booked.")
    )
    max_days_ahead = fields.Integer(
        strict=True, metadata=doc("How far ahead a slot may be booked.")
    )
    opening_hours = fields.List(fields.Nested(OpeningHours))
    closed_dates = fields.List(IsoDate(), metadata=doc("Closed besides the public holidays."))
    department = fields.String(
        allow_none=True,
        metadata=doc("The department whose clerks work its desks; none: every clerk."),
    )


class ServiceView(ServiceDefinition):
    key = fields.String(required=True)


class LocationCapacity(Schema):
    service = fields.String(required=True)
    desks = fields.Integer(required=True)
    online_desks = fields.Integer(required=True)


class LocationView(LocationDefinition):
    key = fields.String(required=True)
    capacities = fields.List(fields.Nested(LocationCapacity), required=True)


class CapacityView(LocationCapacity):
    location = fields.String(required=True)


# free slots


class FreeDay(Schema):
    """One local day's free slots (on the days the clocks change: one part per UTC offset)."""

    date = IsoDate(required=True)
    utc_offset = fields.String(required=True, metadata=doc("e.g. +01:00 in winter."))
    times = PlainList(
        fields.String(),
        required=True,
        metadata=doc("Local start times, HH:MM; hold one as `{date}T{time}:00{utc_offset}`."),
    )
    free = PlainList(
        fields.Integer(), required=True, metadata=doc("Places left at each of the times.")
    )


class LocationAvailability(Schema):
    location = fields.String(required=True)
    duration_minutes = fields.Integer(required=True)
    days = fields.List(fields.Nested(FreeDay), required=True)


class Availability(Schema):
    service = fields.String(required=True)
    date_from = IsoDate(required=True)
    date_to = IsoDate(required=True)
    locations = fields.List(fields.Nested(LocationAvailability), required=True)


class PreviewDay(Schema):
    """One local day that has free slots before the change or after it."""

    date = IsoDate(required=True)
    places_before = fields.Integer(required=True)
    places_after = fields.Integer(required=True)
    times_opened = fields.List(fields.String(), required=True, metadata=doc("HH:MM"))
    times_closed = fields.List(fields.String(), required=True, metadata=doc("HH:MM"))


class PreviewPlace(Schema):
    location = fields.String(required=True)
    service = fields.String(required=True)
    days = fields.List(fields.Nested(PreviewDay), required=True)


class Period(Schema):
    """From one local day to another, both included."""

    date_from = IsoDate(required=True)
    date_to = IsoDate(required=True)


class AvailabilityPreview(Period):
    """The free slots a catalogue change would make, per location and service it touches."""

    places = fields.List(fields.Nested(PreviewPlace), required=True)


# appointments


class AppointmentView(Schema):
    appointment_id = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": list(STATUSES)})
    service = fields.String(required=True)
    service_name = fields.String(required=True)
    location = fields.String(required=True)
    location_name = fields.String(required=True)
    location_address = fields.String(required=True)
    start = IsoDateTime(required=True)
    end = IsoDateTime(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    language = fields.String(required=True, metadata={"enum": list(LANGUAGES)})
    documents = fields.List(fields.String(), required=True, metadata=doc("What to bring."))
    hold_expires_at = IsoDateTime(
        allow_none=True, metadata=doc("Until when a held slot waits for confirmation.")
    )
    checked_in_at = IsoDateTime(allow_none=True)
    called_at = IsoDateTime(allow_none=True)
    ticket = fields.Integer(
        allow_none=True, metadata=doc("The number in the day's queue, once checked in.")
    )
    called_desk = fields.Integer(allow_none=True, metadata=doc("The desk it was called to."))
    walk_in = fields.Boolean(metadata=doc("Came without an appointment, for a ticket."))
    ics = fields.String(
        allow_none=True, metadata=doc("The appointment as an iCalendar file, where asked for.")
    )


class DayList(Schema):
    appointments = fields.List(fields.Nested(AppointmentView), required=True)
    location = fields.String(required=True)
    date = IsoDate(required=True)


class StatisticsRow(Schema):
    service = fields.String(required=True)
    location = fields.String(required=True)
    booked = fields.Integer(required=True)
    walk_ins = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)
    served = fields.Integer(required=True)
    no_show = fields.Integer(required=True)
    no_show_rate = fields.Float(allow_none=True, required=True)
    median_lead_time_hours = fields.Float(
        allow_none=True, required=True, metadata=doc("Between booking and appointment.")
    )
    median_wait_minutes = fields.Float(
        allow_none=True, required=True, metadata=doc("Between checking in and being called.")
    )
    p90_wait_minutes = fields.Float(
        allow_none=True, required=True, metadata=doc("Nine in ten waited no longer.")
    )


class Statistics(Period):
    rows = fields.List(fields.Nested(StatisticsRow), required=True)


# the desk and the hall's display


class Visit(Schema):
    """A visit as the desk's list shows it."""

    appointment_id = fields.String(required=True)
    ticket = fields.Integer(required=True, allow_none=True)
    ticket_label = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, metadata={"enum": list(STATUSES)})
    section = fields.String(required=True, metadata=doc("The part of the desk's list."))
    walk_in = fields.Boolean(required=True)
    service = fields.String(required=True)
    service_name = fields.String(required=True)
    start = IsoDateTime(required=True)
    name = fields.String(required=True, allow_none=True, metadata=doc("null for a walk-in."))
    checked_in_at = IsoDateTime(required=True, allow_none=True)
    called_at = IsoDateTime(required=True, allow_none=True)
    called_desk = fields.Integer(required=True, allow_none=True)
    finished_at = IsoDateTime(required=True, allow_none=True)
    allowed = fields.List(
        fields.String(), required=True, metadata=doc("The desk's moves open to it now.")
    )
    wait_minutes = fields.Integer(metadata=doc("The wait expected, while it waits."))


class ServiceName(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)


class DeskBoard(Schema):
    """A location's day at one desk: the count per part, one part's page, the visit at
    this desk, the wait a newcomer can expect and the services a walk-in may take."""

    location = fields.String(required=True)
    location_name = fields.String(required=True)
    date = IsoDate(required=True)
    today = fields.Boolean(required=True)
    desk = fields.Integer(required=True)
    desks = fields.Integer(required=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    section = fields.String(required=True)
    offset = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    visits = fields.List(fields.Nested(Visit), required=True)
    at_desk = fields.Nested(Visit, required=True, allow_none=True)
    wait_minutes = fields.Integer(required=True)
    services = fields.List(fields.Nested(ServiceName), required=True)


class DisplayedCall(Schema):
    ticket = fields.Integer(required=True, allow_none=True)
    ticket_label = fields.String(required=True, allow_none=True)
    desk = fields.Integer(required=True, allow_none=True)
    called_at = IsoDateTime(required=True)


class CallDisplay(Schema):
    """The calls of the moment at a location, the latest first: numbers and desks, no name."""

    location = fields.String(required=True)
    location_name = fields.String(required=True)
    date = IsoDate(required=True)
    calls = fields.List(fields.Nested(DisplayedCall), required=True)
