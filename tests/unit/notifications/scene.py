"""What the notifications use-case tests share: a small routing and its templates, events
as their publishers' contracts load them, callers, and fake ports that count their calls."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from services.applications.events import APPLICATION_SUBMITTED
from services.appointments.events import (
    APPOINTMENT_CHECKED_IN,
    APPOINTMENT_HELD,
    APPOINTMENT_NO_SHOW,
    APPOINTMENT_REMINDER_DUE,
)
from services.common.events import Event, EventContract
from services.common.identity import Caller
from services.common.tables import idempotency_metadata
from services.feedback.events import RATING_INVITED
from services.notifications import catalogue
from services.notifications.intake import Intake
from services.notifications.models import Base
from services.notifications.settings import NotificationSettings
from tests.support.clock import Clock

MOMENT = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
OFFICE = "Bürgerbüro Soest"
ADMIN_EMAIL = "it@soest.example"

ANNA = Caller("anna", "citizen", name="Anna Schmidt")
BERT = Caller("bert", "citizen")
KLARA = Caller("klara", "clerk", ("roads",), "Klara Weg")
OTTO = Caller("otto", "clerk", ("environment",))
ADA = Caller("ada", "admin", name="Ada Admin")

ROUTING = [
    {
        "event": "appointments.appointment_held",
        "template": "held",
        "to": "citizen",
    },
    {
        "event": "appointments.appointment_reminder_due",
        "template": "reminder",
        "to": "citizen",
        "essential": False,
        "attach": "ics",
    },
    {"event": "appointments.appointment_checked_in", "template": "checked_in", "to": "role:clerk"},
    {"event": "appointments.appointment_no_show", "template": "no_show", "to": "admins"},
    {"event": "applications.application_submitted", "template": "queued", "to": "department"},
    {
        "event": "feedback.rating_invited",
        "template": "rate",
        "to": "citizen",
        "channels": ["email", "inbox"],
    },
]


def _texts(subject: str, body: str, sms: str | None = None) -> dict[str, Any]:
    return {
        "de": {"subject": subject, "body": body, "sms": sms},
        "en": {"subject": f"EN {subject}", "body": f"EN {body}", "sms": sms},
    }


TEMPLATES = {
    "held": {
        "links": ["confirm_url"],
        **_texts("Termin ((service_name))", "Hallo ((name)): ((confirm_url))", "Bitte bestätigen"),
    },
    "reminder": _texts("Erinnerung ((service_name))", "Bis bald, ((name)). ((office))"),
    "checked_in": _texts("Angekommen: ((service))", "Termin ((appointment_id)) in ((location))"),
    "no_show": _texts("Nicht erschienen: ((service))", "Termin ((appointment_id))"),
    "queued": _texts("Neuer Antrag ((case_number))", "((application_type)) für ((department))"),
    "rate": {"links": ["rate_url"], **_texts("Wie war es?", "Bitte bewerten: ((rate_url))")},
    "delivery_failed": _texts(
        "Zustellung gescheitert: ((channel))", "((message_id)) ((event_type)): ((reason))"
    ),
}  # fmt: skip


def setup(tmp_path: Path, **settings: Any) -> Intake:
    """The catalogue of this scene, checked as at the service's start."""
    routing, templates = tmp_path / "routing.yaml", tmp_path / "templates.yaml"
    routing.write_text(yaml.safe_dump(ROUTING, allow_unicode=True), encoding="utf-8")
    templates.write_text(yaml.safe_dump(TEMPLATES, allow_unicode=True), encoding="utf-8")
    chosen = NotificationSettings(
        routing_file=str(routing), templates_file=str(templates), **settings
    )
    return Intake(catalogue.load(chosen), chosen, OFFICE)


def unit_of_work(fake_uow, handler: str | None = None):
    """The service's tables, with the idempotency keys its creates remember."""
    return fake_uow("notifications", Base.metadata, idempotency_metadata, handler=handler)


def clock() -> Clock:
    return Clock(MOMENT)


class Kicks:
    """The dispatcher's wake-up, counted."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


class CallbackTests:
    """A webhook receiver's test calls, recorded; `refusal` is raised when set."""

    def __init__(self, refusal: Exception | None = None) -> None:
        self.calls: list[tuple[str, str, float, datetime]] = []
        self.refusal = refusal

    def __call__(self, url: str, secret: str, timeout: float, now: datetime) -> None:
        self.calls.append((url, secret, timeout, now))
        if self.refusal is not None:
            raise self.refusal


def event(contract: EventContract, payload: dict[str, Any]) -> Event:
    """The event as its handler receives it: the payload loaded by the contract."""
    return Event(type=contract.type, payload=contract.validate(payload), version=contract.version)


def _appointment(**changes: Any) -> dict[str, Any]:
    start = MOMENT + timedelta(days=3)
    return {
        "appointment_id": str(uuid.uuid4()),
        "service": "passport",
        "location": "town_hall",
        "start": start.isoformat(),
        "end": (start + timedelta(minutes=15)).isoformat(),
        "citizen": "anna",
        **changes,
    }


def _to_citizen(**changes: Any) -> dict[str, Any]:
    return {
        "email": "anna@example.org",
        "name": "Anna Schmidt",
        "language": "de",
        "service_name": "Reisepass",
        "location_name": "Rathaus",
        "location_address": "Markt 1",
        **_appointment(**changes),
    }


def appointment_held(**changes: Any) -> Event:
    payload = {
        "hold_expires_at": (MOMENT + timedelta(minutes=30)).isoformat(),
        "confirm_url": "https://portal.test/confirm/abc",
        **_to_citizen(**changes),
    }
    return event(APPOINTMENT_HELD, payload)


def reminder_due(**changes: Any) -> Event:
    payload = {
        "documents": ["Altes Dokument"],
        "manage_url": None,
        "ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
        **_to_citizen(**changes),
    }
    return event(APPOINTMENT_REMINDER_DUE, payload)


def checked_in(**changes: Any) -> Event:
    return event(APPOINTMENT_CHECKED_IN, _appointment(**changes))


def no_show(**changes: Any) -> Event:
    return event(APPOINTMENT_NO_SHOW, _appointment(**changes))


def application_submitted(**changes: Any) -> Event:
    payload = {
        "case_id": str(uuid.uuid4()),
        "case_number": "2026-BPA-000123",
        "application_type": "building_permit",
        "department": "roads",
        "type_name": "Bauantrag",
        "citizen": "anna",
        "email": "anna@example.org",
        "language": "de",
        "processing_days": 30,
        "submitted_at": MOMENT.isoformat(),
        "recipient_name": "Anna Schmidt",
        "fee_cents": 5000,
        "attachments": [],
        **changes,
    }
    return event(APPLICATION_SUBMITTED, payload)


def rating_invited(**changes: Any) -> Event:
    payload = {
        "invitation_id": str(uuid.uuid4()),
        "subject_kind": "visit",
        "subject_id": str(uuid.uuid4()),
        "service": "passport",
        "service_name": "Reisepass",
        "location": "town_hall",
        "citizen": "anna",
        "email": "anna@example.org",
        "language": "de",
        "rate_url": "https://portal.test/rate/xyz",
        "expires_at": (MOMENT + timedelta(days=14)).isoformat(),
        **changes,
    }
    return event(RATING_INVITED, payload)


def rows(uow, model) -> list[Any]:
    """Every row of a table, as an operator would list it."""
    with uow.transaction() as tx:
        return list(tx.session.scalars(select(model)))
