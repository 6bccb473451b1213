"""The appointment routes' query strings and bodies, as the gateway takes and gives them.

The gateway checks shapes: fields, types, dates. The appointments service owns every rule,
lengths and ranges among them, and answers invalid_input itself. Dates and times stay the
ISO strings the service speaks. The service owns the schemas of its answers, and of the
catalogue's services and locations a put sends (services/appointments/answers.py): the
routes and the OpenAPI document use those. Described here is what only the gateway takes
or adds: query strings, the booking bodies with their challenge, and the lists it wraps an
RPC's answer in.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.appointments.answers import (
    LANGUAGES,
    AppointmentView,
    IsoDate,
    IsoDateTime,
    LocationView,
    ServiceView,
)
from services.gateway.schemas import doc

# the temporal fields other gateway modules take from here
__all__ = ["IsoDate", "IsoDateTime"]


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


class CapacityDefinition(Schema):
    desks = fields.Integer(strict=True, required=True)
    online_desks = fields.Integer(
        strict=True,
        required=True,
        metadata=doc("How many of the desks take appointments booked online."),
    )


# answers: the lists the gateway wraps an RPC's answer in; the rest is the service's


class ChallengeView(Schema):
    """An ALTCHA challenge, as the widget fetches it; solve it and send the payload."""

    algorithm = fields.String(required=True)
    challenge = fields.String(required=True)
    maxnumber = fields.Integer(required=True)
    salt = fields.String(required=True, metadata=doc("Carries the expiry; send it back as is."))
    signature = fields.String(required=True)


class ServiceList(Schema):
    services = fields.List(fields.Nested(ServiceView), required=True)


class LocationList(Schema):
    locations = fields.List(fields.Nested(LocationView), required=True)


class AppointmentList(Schema):
    appointments = fields.List(fields.Nested(AppointmentView), required=True)
