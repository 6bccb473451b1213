"""The appointments service on the real broker and database, with a small office to book at.

The test office is open every day from 08:00 to 18:00 (public holidays aside) and takes
bookings from now on, so tests can book without waiting for a weekday.

A pytest plugin (tests/conftest.py), for the services that react to appointments too; the
helpers (`hold_request`, `free_slots_of`) are imported from here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from services.appointments.opening import is_public_holiday
from services.appointments.service import AppointmentsService
from services.common.local_time import OFFICE_TIMEZONE
from services.common.migrations import upgrade
from services.common.settings import database_url
from tests.support.clients import cluster_client
from tests.support.events import EventTap

TEST_SETTINGS = {
    "hold_seconds": 600,
    "max_active_per_citizen": 3,
    "rebook_delay_seconds": 600,
    "reminder_before_hours": 24,
    "sweep_interval": 0.2,
    "portal_url": "https://portal.test",
}
CLERK = {"user_id": "clerk-anna", "user_role": "clerk"}

TOWN_HALL = {
    "name": "Bürgerbüro im Rathaus",
    "address": "Am Vreithof 8, 59494 Soest",
    "slot_minutes": 15,
    "min_notice_minutes": 0,
    "max_days_ahead": 400,
    "opening_hours": [{"weekdays": [1, 2, 3, 4, 5, 6, 7], "start": "08:00", "end": "18:00"}],
}
ID_CARD = {"name": "Personalausweis", "duration_units": 2, "documents": ["Altes Dokument"]}
REGISTRATION = {"name": "Anmeldung", "duration_units": 1, "documents": []}


@pytest.fixture
def appointment_settings():
    """Change before the service starts to test other rules."""
    return dict(TEST_SETTINGS)


@pytest.fixture
def start_appointments(platform_config, container_factory, appointment_settings):
    upgrade("appointments", database_url("appointments"))

    def start():
        container = container_factory(AppointmentsService, {"APPOINTMENTS": appointment_settings})
        container.start()
        return container

    return start


@pytest.fixture
def events(platform_config):
    tap = EventTap("appointments")
    yield tap
    tap.close()


@pytest.fixture
def clerk(platform_config):
    with cluster_client(CLERK) as client:
        yield client.appointments


@pytest.fixture
def anyone(platform_config):
    with cluster_client() as client:
        yield client.appointments


@pytest.fixture
def office(start_appointments, clerk):
    """The service running, with the town hall offering ID cards (2 desks online of 3)."""
    start_appointments()
    clerk.put_location("town-hall", TOWN_HALL)
    clerk.put_service("id-card", ID_CARD)
    clerk.put_service("registration", REGISTRATION)
    clerk.put_capacity("town-hall", "id-card", {"desks": 3, "online_desks": 2})
    clerk.put_capacity("town-hall", "registration", {"desks": 1, "online_desks": 1})
    return clerk


def a_working_day(days_ahead: int = 7) -> date:
    """A date some days ahead that is no public holiday in NRW."""
    day = date.today() + timedelta(days=days_ahead)
    while is_public_holiday(day):
        day += timedelta(days=1)
    return day


def office_time(day: date, clock: str) -> str:
    """A time on the office's wall clock that day, with the day's offset (+01:00 in winter,
    +02:00 in summer): 07:00 stays before opening whatever the season."""
    return datetime.combine(day, time.fromisoformat(clock), OFFICE_TIMEZONE).isoformat()


def hold_request(start: str, email: str = "erika@example.org", **changes) -> dict:
    return {
        "service": "id-card",
        "location": "town-hall",
        "start": start,
        "email": email,
        "name": "Erika Mustermann",
        "language": "de",
        **changes,
    }


def free_slots_of(availability: dict) -> list[dict]:
    """The compact availability answer as one slot per entry, with the start a hold takes."""
    return [
        {
            "location": place["location"],
            "start": f"{day['date']}T{time}:00{day['utc_offset']}",
            "free": free,
        }
        for place in availability["locations"]
        for day in place["days"]
        for time, free in zip(day["times"], day["free"], strict=True)
    ]


def token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]
