"""The events the appointments service publishes, and what their payloads hold.

Times are ISO 8601 with the office's local offset (Europe/Berlin). The e-mail address,
the name and the links with their secrets are there for the notifications service to
write to the citizen; they stay inside the platform (webhooks and the clerks' stream
carry ids and times only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from marshmallow import Schema, fields, validate

from services.common.events import EventContract, TypedEvent, define_event
from services.common.language import language_field

SOURCE = "appointments"


class AppointmentFacts(Schema):
    appointment_id = fields.UUID(required=True)
    service = fields.String(required=True, metadata={"description": "the service's key"})
    location = fields.String(required=True, metadata={"description": "the location's key"})
    start = fields.AwareDateTime(required=True, metadata={"description": "local (Europe/Berlin)"})
    end = fields.AwareDateTime(required=True, metadata={"description": "local (Europe/Berlin)"})
    citizen = fields.String(
        required=True, allow_none=True, metadata={"description": "the account, if signed in"}
    )


class ToCitizen(AppointmentFacts):
    """What a message to the citizen needs."""

    email = fields.Email(required=True, metadata={"description": "personal: stays inside"})
    name = fields.String(required=True, metadata={"description": "personal: stays inside"})
    language = language_field(required=True, metadata={"description": "de or en"})
    service_name = fields.String(required=True)
    location_name = fields.String(required=True)
    location_address = fields.String(required=True)


class WithCalendar(ToCitizen):
    documents = fields.List(fields.String(), required=True, metadata={"description": "to bring"})
    manage_url = fields.Url(
        required=True,
        allow_none=True,
        require_tld=False,
        metadata={"description": "cancel or reschedule; null in reminders (the link stays)"},
    )
    ics = fields.String(required=True, metadata={"description": "iCalendar (text/calendar)"})


class AppointmentHeld(ToCitizen):
    hold_expires_at = fields.AwareDateTime(required=True, metadata={"description": "UTC"})
    confirm_url = fields.Url(
        required=True, require_tld=False, metadata={"description": "the double opt-in link"}
    )


class AppointmentRescheduled(WithCalendar):
    previous_start = fields.AwareDateTime(required=True)
    previous_end = fields.AwareDateTime(required=True)


class AppointmentCancelled(ToCitizen):
    cancelled_by = fields.String(required=True, validate=validate.OneOf(("citizen", "office")))
    ics = fields.String(required=True, metadata={"description": "iCalendar cancelling it"})


# ids and times; the account, address, name and links never leave the platform
PUBLIC = ("appointment_id", "service", "location", "start", "end")


def _define(
    event_type: str, schema: type[Schema], description: str, public: tuple[str, ...] = PUBLIC
) -> EventContract:
    return define_event(SOURCE, event_type, schema, description=description, public=public)


APPOINTMENT_HELD = _define(
    "appointment_held",
    AppointmentHeld,
    "A slot is held for a citizen until hold_expires_at; the citizen confirms by confirm_url.",
)
APPOINTMENT_CONFIRMED = _define(
    "appointment_confirmed",
    WithCalendar,
    "The citizen confirmed: the appointment is booked. Carries the manage link and the .ics.",
)
APPOINTMENT_CANCELLED = _define(
    "appointment_cancelled",
    AppointmentCancelled,
    "A held or confirmed appointment was cancelled; its slot is free after the re-booking delay.",
    (*PUBLIC, "cancelled_by"),
)
APPOINTMENT_RESCHEDULED = _define(
    "appointment_rescheduled",
    AppointmentRescheduled,
    "A confirmed appointment moved to another time; the .ics replaces the earlier one.",
    (*PUBLIC, "previous_start", "previous_end"),
)
APPOINTMENT_REMINDER_DUE = _define(
    "appointment_reminder_due",
    WithCalendar,
    "Time to remind the citizen (APPOINTMENTS.reminder_before_hours ahead); sent once.",
)
APPOINTMENT_HOLD_EXPIRED = _define(
    "appointment_hold_expired",
    ToCitizen,
    "A hold was not confirmed in time; the slot is free again.",
)
APPOINTMENT_CHECKED_IN = _define(
    "appointment_checked_in", AppointmentFacts, "The citizen arrived and checked in."
)
APPOINTMENT_COMPLETED = _define(
    "appointment_completed",
    ToCitizen,
    "The citizen was served at the desk (an occasion to ask for feedback).",
)
APPOINTMENT_NO_SHOW = _define("appointment_no_show", AppointmentFacts, "The citizen did not come.")


# the desk's queue: tickets carry a number and a desk, never a name


class DeskQueueChange(Schema):
    location = fields.String(required=True, metadata={"description": "the location's key"})
    day = fields.Date(required=True, metadata={"description": "the local day of the queue"})
    appointment_id = fields.UUID(required=True)
    ticket = fields.Integer(
        required=True, allow_none=True, metadata={"description": "null until checked in"}
    )
    status = fields.String(required=True)
    desk = fields.Integer(
        required=True, allow_none=True, metadata={"description": "the desk that called, if any"}
    )
    walk_in = fields.Boolean(required=True)
    service = fields.String(required=True, metadata={"description": "the service's key"})
    department = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "whose clerks work the location's desks; null: every clerk's"},
    )


class WalkInIssue(Schema):
    appointment_id = fields.UUID(required=True)
    service = fields.String(required=True)
    location = fields.String(required=True)
    ticket = fields.Integer(required=True)
    issued_at = fields.AwareDateTime(required=True, metadata={"description": "UTC"})


class WalkInFinish(WalkInIssue):
    outcome = fields.String(required=True, validate=validate.OneOf(("completed", "no_show")))
    finished_at = fields.AwareDateTime(required=True, metadata={"description": "UTC"})


@dataclass(frozen=True)
class DeskQueueChanged(TypedEvent):
    location: str
    day: date
    appointment_id: str
    ticket: int | None
    status: str
    desk: int | None
    walk_in: bool
    service: str
    department: str | None = None

    contract: ClassVar[EventContract] = define_event(
        SOURCE,
        "desk_queue_changed",
        DeskQueueChange,
        description="A visit in a location's queue moved (checked in, a walk-in's ticket, "
        "called to a desk, served, no-show). Broadcast to every gateway instance for the desks' "
        "lists and the hall's call display. Transient: published to `appointments.transient`; "
        "while no gateway runs it is dropped and counted, not parked.",
        public=tuple(DeskQueueChange().fields),
        transient=True,
    )


@dataclass(frozen=True)
class WalkInTicketIssued(TypedEvent):
    appointment_id: str
    service: str
    location: str
    ticket: int
    issued_at: datetime

    contract: ClassVar[EventContract] = define_event(
        SOURCE,
        "walk_in_ticket_issued",
        WalkInIssue,
        description="The desk gave a citizen without an appointment a ticket in the day's queue.",
        public=tuple(WalkInIssue().fields),
    )


@dataclass(frozen=True)
class WalkInFinished(TypedEvent):
    appointment_id: str
    service: str
    location: str
    ticket: int
    issued_at: datetime
    outcome: str
    finished_at: datetime

    contract: ClassVar[EventContract] = define_event(
        SOURCE,
        "walk_in_finished",
        WalkInFinish,
        description="A walk-in was served, or did not answer the call (`outcome`).",
        public=tuple(WalkInFinish().fields),
    )
