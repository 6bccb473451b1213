"""A town hall to book at in unit tests: its catalogue, a pinned clock, and the steps a
citizen takes, each through the appointments' use cases on a fake unit of work.

The office is open every day from 08:00 to 18:00. `DAY` is a Wednesday with no public
holiday; the clock starts at 07:00 that morning, before the first slot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from urllib.parse import parse_qs, urlparse

from services.appointments.booking import HoldRequest
from services.appointments.catalogue_changes import CAPACITY, LOCATION, SERVICE, CatalogueChange
from services.appointments.models import Base
from services.appointments.schemas import CapacityInput, LocationInput, OfferInput
from services.appointments.settings import AppointmentSettings
from services.appointments.use_cases import catalogue, citizens
from services.common.identity import Caller
from services.common.loading import load
from services.common.local_time import OFFICE_TIMEZONE
from tests.support.clock import Clock
from tests.support.fakes import FakeUnitOfWork

DAY = date(2027, 6, 2)
SETTINGS = AppointmentSettings(
    hold_seconds=600,
    max_active_per_citizen=3,
    rebook_delay_seconds=900,
    reminder_before_hours=24,
    portal_url="https://portal.test",
)
CLERK = Caller(subject="clerk-anna", role="clerk", name="Anna Schreiber")
TOWN_HALL = {
    "name": "Bürgerbüro im Rathaus",
    "address": "Am Vreithof 8, 59494 Soest",
    "slot_minutes": 15,
    "min_notice_minutes": 0,
    "max_days_ahead": 60,
    "opening_hours": [{"weekdays": [1, 2, 3, 4, 5, 6, 7], "start": "08:00", "end": "18:00"}],
}
ID_CARD = {"name": "Personalausweis", "duration_units": 2, "documents": ["Altes Dokument"]}
REGISTRATION = {"name": "Anmeldung", "duration_units": 1, "documents": []}


def at(clock: str, day: date = DAY) -> datetime:
    """A time on the office's wall clock."""
    return datetime.combine(day, time.fromisoformat(clock), OFFICE_TIMEZONE)


def token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


def put_catalogue(uow: FakeUnitOfWork, clock: Clock) -> None:
    """The town hall with ID cards (2 desks, both online) and registration (1 desk)."""
    changes = [
        CatalogueChange(LOCATION, load(LocationInput, TOWN_HALL), key="town-hall"),
        CatalogueChange(SERVICE, load(OfferInput, ID_CARD), key="id-card"),
        CatalogueChange(SERVICE, load(OfferInput, REGISTRATION), key="registration"),
        CatalogueChange(
            CAPACITY,
            load(CapacityInput, {"desks": 2, "online_desks": 2}),
            location="town-hall",
            service="id-card",
        ),
        CatalogueChange(
            CAPACITY,
            load(CapacityInput, {"desks": 1, "online_desks": 1}),
            location="town-hall",
            service="registration",
        ),
    ]
    for change in changes:
        catalogue.put(catalogue.ChangeCatalogue(change, CLERK), uow, clock)


@dataclass
class Office:
    """The town hall on a fake unit of work, with its clock; each step a use case."""

    uow: FakeUnitOfWork
    clock: Clock
    settings: AppointmentSettings = field(default=SETTINGS)

    def hold(
        self,
        start: datetime,
        email: str = "erika@example.org",
        *,
        service: str = "registration",
        citizen: str | None = None,
        key: str | None = None,
        challenge: str | None = None,
    ) -> dict[str, Any]:
        request = HoldRequest(
            service=service,
            location="town-hall",
            start=start,
            email=email,
            name="Erika Mustermann",
            language="de",
            citizen=citizen,
            challenge=challenge,
        )
        command = citizens.Hold(request, key)
        return citizens.hold(command, self.uow, self.clock, self.settings)

    def confirm_token(self, appointment_id: str) -> str:
        """The token of the confirmation mail the hold published."""
        [held] = [
            payload
            for payload in self.uow.payloads_of("appointment_held")
            if payload["appointment_id"] == appointment_id
        ]
        return token_of(held["confirm_url"])

    def manage_token(self, appointment_id: str) -> str:
        """The token of the latest manage link mailed for the appointment."""
        mailed = [
            event.payload["manage_url"]
            for event in self.uow.published
            if event.payload.get("appointment_id") == appointment_id
            and event.payload.get("manage_url")
        ]
        return token_of(mailed[-1])

    def confirm(self, appointment_id: str) -> dict[str, Any]:
        command = citizens.ConfirmByLink(self.confirm_token(appointment_id))
        return citizens.confirm(command, self.uow, self.clock, self.settings)

    def book(self, start: datetime, email: str = "erika@example.org", **options) -> dict:
        """Held and confirmed."""
        return self.confirm(self.hold(start, email, **options)["appointment_id"])


def town_hall(fake_uow, moment: datetime | None = None) -> Office:
    uow = fake_uow("appointments", Base.metadata)
    clock = Clock(moment or at("07:00"))
    put_catalogue(uow, clock)
    return Office(uow, clock)
