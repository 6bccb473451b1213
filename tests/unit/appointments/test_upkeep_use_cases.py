"""The sweep: lapsed holds give their slots back, reminders go out once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.appointments.errors import HoldExpired
from services.appointments.use_cases import upkeep
from tests.unit.appointments.office import DAY, at, town_hall


@pytest.fixture
def office(fake_uow):
    return town_hall(fake_uow)


def sweep(office):
    upkeep.sweep(office.uow, office.clock, office.settings)


def test_a_lapsed_hold_expires_and_its_citizen_is_told(office):
    held = office.hold(at("09:00"))
    office.clock.advance(minutes=10)

    sweep(office)

    [expired] = office.uow.payloads_of("appointment_hold_expired")
    assert expired["appointment_id"] == held["appointment_id"]
    assert office.hold(at("09:00"), "max@example.org")["status"] == "held"


def test_a_hold_within_its_time_is_left_alone(office):
    office.hold(at("09:00"))
    office.clock.advance(minutes=9)

    sweep(office)

    assert office.uow.payloads_of("appointment_hold_expired") == []


def test_an_expired_hold_cannot_be_confirmed_any_more(office):
    held = office.hold(at("09:00"))
    office.clock.advance(minutes=10)
    sweep(office)

    with pytest.raises(HoldExpired):
        office.confirm(held["appointment_id"])


def test_a_hold_expires_once_however_often_the_sweep_runs(office):
    office.hold(at("09:00"))
    office.clock.advance(minutes=10)

    sweep(office)
    sweep(office)

    assert office.uow.published_types().count("appointment_hold_expired") == 1


def test_a_confirmed_appointment_is_reminded_of_once_with_its_calendar_entry(office):
    booked = office.book(at("09:00"))

    sweep(office)
    sweep(office)

    [reminder] = office.uow.payloads_of("appointment_reminder_due")
    assert reminder["appointment_id"] == booked["appointment_id"]
    assert reminder["manage_url"] is None  # the confirmation's link stays valid
    assert "BEGIN:VCALENDAR" in reminder["ics"]


def test_a_held_appointment_gets_no_reminder(office):
    office.hold(at("09:00"))

    sweep(office)

    assert office.uow.payloads_of("appointment_reminder_due") == []


def test_an_appointment_further_ahead_than_the_reminder_is_not_reminded_yet(office):
    office.book(at("09:00", DAY + timedelta(days=2)))

    sweep(office)

    assert office.uow.payloads_of("appointment_reminder_due") == []
