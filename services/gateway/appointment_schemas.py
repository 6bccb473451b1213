"""The appointment routes' query strings and bodies, as the gateway takes and gives them.

The gateway checks shapes: fields, types, dates. The appointments service owns every rule,
lengths and ranges among them, and answers invalid_input itself. Dates and times stay the
ISO strings the service speaks.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from services.gateway.schemas import doc

LANGUAGES = ("de", "en")
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


# requests ---------------------------------------------------------------------------
# the query schemas' attribute names are the RPC's parameter names: routes pass them on


class AvailabilityQuery(Schema):
    service = fields.String(required=True, metadata=doc("A service's key."))
    date_from = IsoDate(required=True, data_key="from", metadata=doc("First day, inclusive."))
    date_to = IsoDate(required=True, data_key="to", metadata=doc("Last day, inclusive."))
    location = fields.String(metadata=doc("Only this location; else all."))


class StatisticsQuery(Schema):
    date_from = IsoDate(required=True, data_key="from", metadata=doc("First day, inclusive."))
    date_to = IsoDate(required=True, data_key="to", metadata=doc("Last day, inclusive."))
    location = fields.String(metadata=doc("Only this location."))
    service = fields.String(metadata=doc("Only this service."))


_ALTCHA = doc(
    "The solved challenge: the ALTCHA widget's base64 payload. Without it the answer is "
    "challenge_required."
)


class HoldRequest(Schema):
    """A slot to hold for a citizen, who confirms it by the link mailed to them."""

    service = fields.String(required=True)
    location = fields.String(required=True)
    start = IsoDateTime(required=True, metadata=doc("A slot's start, with its UTC offset."))
    email = fields.Email(required=True)
    name = fields.String(required=True)
    language = fields.String(validate=validate.OneOf(LANGUAGES), load_default="de")
    altcha = fields.String(metadata=_ALTCHA)


class AppointmentToken(Schema):
    """A token from a mailed link; sent in the body so it stays out of access logs."""

    token = fields.String(required=True)


class RescheduleRequest(AppointmentToken):
    start = IsoDateTime(required=True, metadata=doc("The new slot's start."))
    altcha = fields.String(metadata=_ALTCHA)


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


class CapacityDefinition(Schema):
    desks = fields.Integer(strict=True, required=True)
    online_desks = fields.Integer(
        strict=True,
        required=True,
        metadata=doc("How many of the desks take appointments booked online."),
    )


# answers ----------------------------------------------------------------------------


class ChallengeView(Schema):
    """An ALTCHA challenge, as the widget fetches it; solve it and send the payload."""

    algorithm = fields.String(required=True)
    challenge = fields.String(required=True)
    maxnumber = fields.Integer(required=True)
    salt = fields.String(required=True, metadata=doc("Carries the expiry; send it back as is."))
    signature = fields.String(required=True)


class ServiceView(ServiceDefinition):
    key = fields.String(required=True)


class ServiceList(Schema):
    services = fields.List(fields.Nested(ServiceView), required=True)


class LocationCapacity(Schema):
    service = fields.String(required=True)
    desks = fields.Integer(required=True)
    online_desks = fields.Integer(required=True)


class LocationView(LocationDefinition):
    key = fields.String(required=True)
    capacities = fields.List(fields.Nested(LocationCapacity), required=True)


class LocationList(Schema):
    locations = fields.List(fields.Nested(LocationView), required=True)


class CapacityView(LocationCapacity):
    location = fields.String(required=True)


class FreeDay(Schema):
    """One local day's free slots (on the days the clocks change: one part per UTC offset)."""

    date = IsoDate(required=True)
    utc_offset = fields.String(required=True, metadata=doc("e.g. +01:00 in winter."))
    times = fields.List(
        fields.String(),
        required=True,
        metadata=doc("Local start times, HH:MM; hold one as `{date}T{time}:00{utc_offset}`."),
    )
    free = fields.List(
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
    ics = fields.String(
        allow_none=True, metadata=doc("The appointment as an iCalendar file, where asked for.")
    )


class AppointmentList(Schema):
    appointments = fields.List(fields.Nested(AppointmentView), required=True)


class DayList(AppointmentList):
    location = fields.String(required=True)
    date = IsoDate(required=True)


class StatisticsRow(Schema):
    service = fields.String(required=True)
    location = fields.String(required=True)
    booked = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)
    served = fields.Integer(required=True)
    no_show = fields.Integer(required=True)
    no_show_rate = fields.Float(allow_none=True, required=True)
    median_lead_time_hours = fields.Float(
        allow_none=True, required=True, metadata=doc("Between booking and appointment.")
    )


class Statistics(Schema):
    date_from = IsoDate(required=True)
    date_to = IsoDate(required=True)
    rows = fields.List(fields.Nested(StatisticsRow), required=True)
