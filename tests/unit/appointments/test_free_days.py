"""Availability read from the days kept (free_days.py) answers exactly what the full
computation from every desk minute answers, whatever bookings, holds, cancellations,
moves, lapses and catalogue changes came before, and wherever the clock stands.

Each example is a fresh town hall (office.py) and a random run of steps through the
appointments' use cases; after every step both ways are asked about every service.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from services.appointments import availability, free_days
from services.appointments.catalogue_changes import CAPACITY, LOCATION, SERVICE, CatalogueChange
from services.appointments.models import Base, DeskTime, FreeDay, OfferRow
from services.appointments.opening import local_minute
from services.appointments.schemas import CapacityInput, LocationInput, OfferInput
from services.appointments.use_cases import catalogue, citizens, upkeep
from services.common.database import Transaction
from services.common.errors import ServiceError
from services.common.loading import load
from services.common.local_time import OFFICE_TIMEZONE
from tests.support.clock import Clock
from tests.support.fakes import FakeUnitOfWork
from tests.unit.appointments.office import (
    CLERK,
    DAY,
    ID_CARD,
    REGISTRATION,
    TOWN_HALL,
    Office,
    at,
    put_catalogue,
)

SERVICES = ("registration", "id-card")
ASKED_DAYS = 4  # DAY and the three after it

starts = st.builds(
    lambda day, quarter: (
        datetime.combine(DAY + timedelta(days=day), time(7, 0), OFFICE_TIMEZONE)
        + timedelta(minutes=15 * quarter)
    ),
    st.integers(0, ASKED_DAYS - 1),
    st.integers(0, 4 * 12),  # 07:00 to 19:00: some outside the opening hours
)
booking = st.tuples(st.just("book"), st.sampled_from(SERVICES), starts, st.integers(0, 5))
steps = st.one_of(
    st.tuples(st.just("hold"), st.sampled_from(SERVICES), starts, st.integers(0, 5)),
    booking,
    booking,  # twice as likely as the others: most steps have something to work on
    st.tuples(st.just("confirm"), st.integers(0, 3)),
    st.tuples(st.just("cancel"), st.integers(0, 3)),
    st.tuples(st.just("reschedule"), st.integers(0, 3), starts),
    # minutes: a hold lapses after 10, a cancellation's re-booking delay ends after 15
    st.tuples(st.just("wait"), st.sampled_from([1, 11, 16, 60, 24 * 60])),
    st.tuples(st.just("sweep")),
    st.tuples(st.just("hours"), st.integers(6, 10), st.integers(14, 20)),
    st.tuples(st.just("closed"), st.integers(0, ASKED_DAYS - 1)),
    st.tuples(st.just("buffer"), st.integers(0, 2)),
    st.tuples(st.just("duration"), st.sampled_from(SERVICES), st.integers(1, 4)),
    st.tuples(st.just("desks"), st.sampled_from(SERVICES), st.integers(0, 3)),
)


class Town(Office):
    """The office, with what the steps need: the appointments made, the catalogue kept."""

    made: list[str]
    location: dict[str, Any]

    def step(self, step: tuple) -> None:
        kind, *args = step
        # refused as it would be for a citizen or a clerk: nothing changed
        with contextlib.suppress(ServiceError):
            getattr(self, f"_{kind}")(*args)

    def _hold(self, service: str, start: datetime, citizen: int) -> None:
        email = f"citizen{citizen}@example.org"
        self.made.append(self.hold(start, email, service=service)["appointment_id"])

    def _book(self, service: str, start: datetime, citizen: int) -> None:
        self._hold(service, start, citizen)
        self._confirm(len(self.made) - 1)

    def _confirm(self, number: int) -> None:
        if number < len(self.made):
            self.confirm(self.made[number])

    def _managed(self, number: int) -> str | None:
        if number >= len(self.made):
            return None
        appointment = self.made[number]
        mailed = [e for e in self.uow.published if e.payload.get("appointment_id") == appointment]
        return (
            self.manage_token(appointment)
            if any(e.payload.get("manage_url") for e in mailed)
            else None
        )

    def _cancel(self, number: int) -> None:
        if (token := self._managed(number)) is not None:
            command = citizens.CancelByLink(token)
            citizens.cancel_by_token(command, self.uow, self.clock, self.settings)

    def _reschedule(self, number: int, start: datetime) -> None:
        if (token := self._managed(number)) is not None:
            command = citizens.RescheduleByLink(token, start)
            citizens.reschedule_by_token(command, self.uow, self.clock, self.settings)

    def _wait(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    def _sweep(self) -> None:
        upkeep.sweep(self.uow, self.clock, self.settings)

    def _hours(self, opens: int, closes: int) -> None:
        rule = {"weekdays": [1, 2, 3, 4, 5, 6, 7], "start": f"{opens:02d}:00"}
        self._location(opening_hours=[{**rule, "end": f"{closes:02d}:00"}])

    def _closed(self, day: int) -> None:
        closed = DAY + timedelta(days=day)
        self._location(closed_dates=[*self.location.get("closed_dates", []), closed.isoformat()])

    def _window(self, days: int) -> None:
        self._location(max_days_ahead=days)

    def _buffer(self, units: int) -> None:
        self._location(buffer_units=units)

    def _location(self, **changed: Any) -> None:
        self.location = {**self.location, **changed}
        value = load(LocationInput, self.location)
        self._put(CatalogueChange(LOCATION, value, key="town-hall"))

    def _duration(self, service: str, units: int) -> None:
        offer = ID_CARD if service == "id-card" else REGISTRATION
        value = load(OfferInput, {**offer, "duration_units": units})
        self._put(CatalogueChange(SERVICE, value, key=service))

    def _desks(self, service: str, online: int) -> None:
        value = load(CapacityInput, {"desks": 3, "online_desks": online})
        self._put(CatalogueChange(CAPACITY, value, location="town-hall", service=service))

    def _put(self, change: CatalogueChange) -> None:
        catalogue.put(catalogue.ChangeCatalogue(change, CLERK), self.uow, self.clock)


def open_town(uow: FakeUnitOfWork) -> Town:
    """The town hall, taking bookings a week ahead: the days asked and a few after."""
    town = Town(uow, Clock(at("07:00")))
    town.made, town.location = [], dict(TOWN_HALL)
    put_catalogue(uow, town.clock)
    town.step(("window", ASKED_DAYS + 2))
    return town


def both_ways(town: Town, service: str) -> tuple[dict, dict, int]:
    """The answer from the kept days, the full computation's, and how many days are kept."""
    first, last = DAY, DAY + timedelta(days=ASKED_DAYS - 1)
    asked = (service, first, last, None, town.settings, town.clock())
    with town.uow.transaction() as tx:
        kept = _asked(tx, availability.availability, asked)
        full = _asked(tx, availability.availability_in_full, asked)
        rows = free_days.count(tx.session)
    return kept, full, rows


def _asked(tx: Transaction, function, asked: tuple) -> Any:
    try:
        return function(tx, *asked)
    except ServiceError as refused:
        return type(refused).__name__


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(steps, min_size=1, max_size=20))
# the paths a random run may miss, each once for sure: a cancellation past its delay, a
# move, a hold lapsing and swept, desk time reaching into the next day, a closed day
@example([("book", "id-card", at("10:00"), 1), ("cancel", 0), ("wait", 16)])
@example([("book", "registration", at("09:00"), 1), ("reschedule", 0, at("11:00")), ("wait", 16)])
@example([("hold", "registration", at("12:00"), 2), ("wait", 11), ("sweep",), ("wait", 1)])
@example([("hours", 6, 20), ("buffer", 2), ("book", "id-card", at("19:00"), 3), ("wait", 60)])
@example([("book", "id-card", at("10:00", DAY + timedelta(days=1)), 1), ("closed", 1)])
@example([("book", "id-card", at("08:00"), 1), ("desks", "id-card", 1), ("duration", "id-card", 3)])
def test_the_kept_days_answer_as_the_full_computation_after_any_steps(run: list[tuple]) -> None:
    uow = FakeUnitOfWork("appointments", Base.metadata)
    try:
        town = open_town(uow)
        for step in run:
            town.step(step)
            for service in SERVICES:
                kept, full, rows = both_ways(town, service)
                assert kept == full, f"after {step}"
                assert rows > 0  # the days are kept, not all computed in full
    finally:
        uow.engine.dispose()


def test_a_day_without_a_kept_row_is_computed_in_full(fake_uow) -> None:
    """Days that came into the window since the catalogue was saved answer all the same,
    and the sweep keeps them from then on."""
    uow = fake_uow("appointments", Base.metadata)
    town = open_town(uow)
    town.step(("book", "registration", at("09:00", DAY + timedelta(days=1)), 1))
    with uow.transaction() as tx:
        tx.session.query(FreeDay).delete()
    kept, full, rows = both_ways(town, "registration")
    assert kept == full and rows == 0
    assert "09:00" not in kept["locations"][0]["days"][1]["times"]
    town.step(("sweep",))
    kept, full, rows = both_ways(town, "registration")
    assert kept == full and rows > ASKED_DAYS


def test_a_hold_answers_from_the_desk_time_until_it_lapses(fake_uow) -> None:
    uow = fake_uow("appointments", Base.metadata)
    town = open_town(uow)
    town.step(("hold", "registration", at("10:00"), 1))
    kept, full, _ = both_ways(town, "registration")
    assert kept == full and "10:00" not in _times(kept, DAY)
    town.clock.advance(seconds=town.settings.hold_seconds)
    kept, full, _ = both_ways(town, "registration")
    assert kept == full and "10:00" in _times(kept, DAY)


def _times(answer: dict, day: date) -> list[str]:
    return [
        time
        for found in answer["locations"][0]["days"]
        if found["date"] == day.isoformat()
        for time in found["times"]
    ]


def test_a_booking_made_by_the_previous_release_is_kept_after_the_rebuild(fake_uow) -> None:
    """A pod of the release before writes desk time without the kept days (as while a
    rollout runs both); the timer's rebuild brings them in line with it."""
    uow = fake_uow("appointments", Base.metadata)
    town = open_town(uow)
    with uow.transaction() as tx:
        offer_id, location_id = free_days.placed(tx.session)[0]
        start = local_minute(DAY, 11 * 60)
        tx.session.add_all(
            DeskTime(
                location_id=location_id,
                offer_id=offer_id,
                minute=start + 15 * unit,
                desk=desk,
                appointment_id=f"previous-release-{desk}",
                free_after=None,
            )
            for desk in range(3)
            for unit in range(4)
        )
    service = "id-card" if offer_id == _offer_id(uow, "id-card") else "registration"
    kept, full, _ = both_ways(town, service)
    assert kept != full  # the kept days do not know of it yet

    upkeep.rebuild_kept_days(uow, town.clock)

    kept, full, _ = both_ways(town, service)
    assert kept == full and "11:00" not in _times(kept, DAY)


def _offer_id(uow: FakeUnitOfWork, key: str) -> int:
    with uow.transaction() as tx:
        return tx.session.scalar(select(OfferRow.id).where(OfferRow.key == key))
