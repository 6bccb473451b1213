"""The demo office `make run` loads: complete, loaded once, and bookable by the real rules.

On the real database (SQLite, or PostgreSQL with DATABASE_URL), migrated as the launcher
does; the availability is the domain's own, read from the loaded catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session

from services.appointments import availability, catalogue_admin
from services.appointments.demo import load_demo_data
from services.appointments.settings import AppointmentSettings
from services.common.database import Transaction
from services.common.local_time import OFFICE_TIMEZONE
from services.common.migrations import upgrade
from services.common.settings import derive_database_url
from tests.support.appointments import free_slots_of
from tests.support.databases import database_transaction


@pytest.fixture
def url(database_url):
    """A fresh, migrated appointments database."""
    url = derive_database_url(database_url, "appointments")
    upgrade("appointments", url)
    return url


@pytest.fixture
def transaction(url):
    @contextmanager
    def begin() -> Iterator[Transaction]:
        with database_transaction(url) as connection:
            yield Transaction(Session(connection), "appointments", None)

    return begin


@pytest.fixture
def demo(url):
    assert load_demo_data(url) is True


def catalogue(transaction) -> tuple[list[dict], list[dict]]:
    with transaction() as tx:
        return catalogue_admin.list_offers(tx), catalogue_admin.list_locations(tx)


def local(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), OFFICE_TIMEZONE).astimezone(UTC)


def slots(transaction, service: str, location: str, day: date, now: datetime) -> list[str]:
    """The local start times (HH:MM) offered on one day."""
    with transaction() as tx:
        found = availability.availability(
            tx, service, day, day, location, AppointmentSettings(), now
        )
    return [slot["start"][11:16] for slot in free_slots_of(found)]


def test_the_demo_office_has_two_locations_and_eight_services_with_desks(demo, transaction):
    offers, locations = catalogue(transaction)

    assert {location["key"]: (location["name"], location["address"]) for location in locations} == {
        "rathaus": ("Bürgerbüro im Rathaus", "Am Vreithof 8, 59494 Soest"),
        "soest-nord": ("Bürgerbüro Soest-Nord", "Paradieser Weg 40, 59494 Soest"),
    }
    assert len(offers) == 8
    assert all(offer["documents"] for offer in offers), "every service says what to bring"
    offered = {
        capacity["service"]
        for location in locations
        for capacity in location["capacities"]
        if capacity["online_desks"] > 0
    }
    assert offered == {offer["key"] for offer in offers}, "every service is bookable somewhere"
    town_hall = next(location for location in locations if location["key"] == "rathaus")
    assert len(town_hall["capacities"]) == 8
    assert {closed[5:] for closed in town_hall["closed_dates"]} == {"12-24", "12-31"}


def test_a_second_load_loads_nothing_and_changes_nothing(demo, url, transaction):
    before = catalogue(transaction)

    assert load_demo_data(url) is False
    assert catalogue(transaction) == before


def test_a_database_with_a_catalogue_of_its_own_is_left_alone(url, transaction):
    with transaction() as tx:
        catalogue_admin.put_offer(
            tx, "trauung", {"name": "Trauung", "duration_units": 4, "documents": []}
        )

    assert load_demo_data(url) is False
    offers, locations = catalogue(transaction)
    assert [offer["key"] for offer in offers] == ["trauung"]
    assert locations == []


def test_the_town_hall_offers_slots_on_a_weekday_and_none_on_new_years_day(demo, transaction):
    now = local(date(2026, 12, 28), "07:00")  # a Monday

    tuesday = slots(transaction, "personalausweis", "rathaus", date(2027, 1, 5), now)
    assert tuesday[0] == "08:00"
    assert "12:00" in tuesday and "12:15" not in tuesday, "30 minutes fit before 12:30"
    assert "14:00" in tuesday and "15:30" in tuesday and "16:00" not in tuesday
    friday = slots(transaction, "personalausweis", "rathaus", date(2027, 1, 8), now)
    assert friday and max(friday) < "12:30", "no afternoon on Fridays"
    # a Friday, and a public holiday in NRW
    assert slots(transaction, "personalausweis", "rathaus", date(2027, 1, 1), now) == []


def test_the_long_thursday_and_a_closed_day(demo, transaction):
    _, locations = catalogue(transaction)
    town_hall = next(location for location in locations if location["key"] == "rathaus")
    closed = min(
        day
        for day in map(date.fromisoformat, town_hall["closed_dates"])
        if day > date.today() and day.isoweekday() <= 5
    )
    a_week_before = closed - timedelta(days=7)
    now = local(a_week_before - timedelta(days=1), "07:00")

    before = slots(transaction, "anmeldung", "rathaus", a_week_before, now)
    assert before, f"{a_week_before} is an ordinary {a_week_before:%A}"
    if a_week_before.isoweekday() == 4:
        assert "17:30" in before and "17:45" not in before
    assert slots(transaction, "anmeldung", "rathaus", closed, now) == []


def test_the_branch_opens_every_other_saturday(demo, transaction):
    now = local(date(2027, 1, 4), "07:00")  # a Monday

    first = slots(transaction, "reisepass", "soest-nord", date(2027, 1, 9), now)
    second = slots(transaction, "reisepass", "soest-nord", date(2027, 1, 16), now)

    assert first == []
    assert second == [
        "09:00",
        "09:15",
        "09:30",
        "09:45",
        "10:00",
        "10:15",
        "10:30",
        "10:45",
        "11:00",
        "11:15",
        "11:30",
    ]
    assert slots(transaction, "reisepass", "soest-nord", date(2027, 1, 23), now) == []
    assert slots(transaction, "reisepass", "soest-nord", date(2027, 1, 30), now) == second


def test_citizens_can_book_in_the_coming_days(demo, transaction):
    """With the real clock: the booking window leaves slots in the next two weeks."""
    with transaction() as tx:
        found = availability.availability(
            tx,
            "personalausweis",
            date.today(),
            date.today() + timedelta(days=14),
            None,
            AppointmentSettings(),
            datetime.now(UTC),
        )

    assert {slot["location"] for slot in free_slots_of(found)} == {"rathaus", "soest-nord"}
