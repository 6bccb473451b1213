"""Booking and managing an appointment, use case by use case, on a fake unit of work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.appointments.errors import (
    DateInPast,
    HoldExpired,
    InvalidLink,
    NotYourAppointment,
    OutsideBookingWindow,
    SlotNotOffered,
    SlotTaken,
    TooManyAppointments,
)
from services.appointments.use_cases import citizens
from services.common.challenges import ChallengeSpent
from services.common.idempotency import IdempotencyKeyReused
from services.common.transitions import IllegalTransition
from tests.unit.appointments.office import DAY, at, town_hall


@pytest.fixture
def office(fake_uow):
    return town_hall(fake_uow)


def manage(office, command_type, appointment_id, **fields):
    """Run a manage-link use case with the latest link mailed for the appointment."""
    command = command_type(office.manage_token(appointment_id), **fields)
    use_case = {
        citizens.CancelByLink: citizens.cancel_by_token,
        citizens.RescheduleByLink: citizens.reschedule_by_token,
    }[command_type]
    return use_case(command, office.uow, office.clock, office.settings)


# holding a slot


def test_a_held_slot_is_answered_as_held_and_mailed_with_its_confirmation_link(office):
    held = office.hold(at("09:00"))

    assert held["status"] == "held"
    assert held["start"] == "2027-06-02T09:00:00+02:00"
    assert held["hold_expires_at"] == "2027-06-02T05:10:00+00:00"  # ten minutes from 07:00
    [mail] = office.uow.payloads_of("appointment_held")
    assert mail["appointment_id"] == held["appointment_id"]
    assert mail["email"] == "erika@example.org"
    assert mail["confirm_url"].startswith("https://portal.test/appointments/confirm?token=")


def test_a_hold_sent_again_with_its_key_is_the_same_hold_mailed_once(office):
    first = office.hold(at("09:00"), key="hold-1")
    again = office.hold(at("09:00"), key="hold-1")

    assert again == first
    assert office.uow.published_types().count("appointment_held") == 1


def test_a_key_sent_again_with_another_request_is_refused(office):
    office.hold(at("09:00"), key="hold-1")

    with pytest.raises(IdempotencyKeyReused) as refused:
        office.hold(at("10:00"), key="hold-1")

    assert refused.value.code == "idempotency_key_reused"
    assert office.uow.published_types().count("appointment_held") == 1


def test_the_last_place_of_a_slot_goes_to_the_first_and_the_second_is_refused(office):
    office.hold(at("09:00"), "erika@example.org")
    published = len(office.uow.published)

    with pytest.raises(SlotTaken) as refused:
        office.hold(at("09:00"), "max@example.org")

    assert refused.value.code == "slot_taken"
    assert refused.value.details == {"service": "registration", "location": "town-hall"}
    assert len(office.uow.published) == published


def test_two_desks_online_give_a_slot_to_two_citizens(office):
    first = office.hold(at("09:00"), "erika@example.org", service="id-card")
    second = office.hold(at("09:00"), "max@example.org", service="id-card")

    assert first["end"] == "2027-06-02T09:30:00+02:00"  # two units of 15 minutes
    assert {first["status"], second["status"]} == {"held"}
    with pytest.raises(SlotTaken):
        office.hold(at("09:15"), "lena@example.org", service="id-card")


def test_a_citizen_may_hold_as_many_appointments_as_allowed_and_no_more(office):
    for clock in ("09:00", "10:00", "11:00"):
        office.hold(at(clock), "Erika@Example.org")

    with pytest.raises(TooManyAppointments) as refused:
        office.hold(at("12:00"), "erika@example.org")

    assert refused.value.code == "too_many_appointments"
    assert refused.value.details == {"limit": 3}


def test_a_lapsed_hold_no_longer_counts_against_the_limit(office):
    for clock in ("09:00", "10:00", "11:00"):
        office.hold(at(clock))
    office.clock.advance(minutes=11)

    assert office.hold(at("12:00"))["status"] == "held"


def test_a_time_outside_the_opening_hours_is_not_offered(office):
    with pytest.raises(SlotNotOffered) as refused:
        office.hold(at("18:00"))

    assert refused.value.code == "slot_not_offered"
    assert office.uow.payloads_of("appointment_held") == []


def test_a_time_that_has_passed_cannot_be_held(office):
    office.clock.advance(hours=3)  # 10:00

    with pytest.raises(DateInPast) as refused:
        office.hold(at("09:00"))

    assert refused.value.code == "date_in_past"


def test_a_day_beyond_the_booking_window_cannot_be_held(office):
    with pytest.raises(OutsideBookingWindow) as refused:
        office.hold(at("09:00", DAY + timedelta(days=61)))

    assert refused.value.details == {"min_notice_minutes": 0, "max_days_ahead": 60}


def test_a_proof_of_work_buys_one_booking(office):
    office.hold(at("09:00"), challenge="solved-1")

    with pytest.raises(ChallengeSpent) as refused:
        office.hold(at("10:00"), "max@example.org", challenge="solved-1")

    assert refused.value.code == "challenge_spent"


# confirming


def test_the_mailed_link_confirms_the_hold_and_mails_the_manage_link_and_calendar(office):
    held = office.hold(at("09:00"))

    confirmed = office.confirm(held["appointment_id"])

    assert confirmed["status"] == "confirmed"
    assert confirmed["hold_expires_at"] is None
    assert "BEGIN:VCALENDAR" in confirmed["ics"]
    [mail] = office.uow.payloads_of("appointment_confirmed")
    assert mail["manage_url"].startswith("https://portal.test/appointments/manage?token=")
    assert "BEGIN:VCALENDAR" in mail["ics"]


def test_a_confirmation_link_confirms_once(office):
    held = office.hold(at("09:00"))
    token = office.confirm_token(held["appointment_id"])
    office.confirm(held["appointment_id"])

    with pytest.raises(InvalidLink) as refused:
        citizens.confirm(citizens.ConfirmByLink(token), office.uow, office.clock, office.settings)

    assert refused.value.code == "invalid_link"
    assert office.uow.published_types().count("appointment_confirmed") == 1


def test_a_hold_confirmed_too_late_has_expired_and_publishes_nothing(office):
    held = office.hold(at("09:00"))
    office.clock.advance(minutes=10)
    published = len(office.uow.published)

    with pytest.raises(HoldExpired) as refused:
        office.confirm(held["appointment_id"])

    assert refused.value.code == "hold_expired"
    assert len(office.uow.published) == published


def test_an_unknown_confirmation_token_says_nothing_more_than_invalid(office):
    with pytest.raises(InvalidLink) as refused:
        citizens.confirm(
            citizens.ConfirmByLink("made-up"), office.uow, office.clock, office.settings
        )

    assert str(refused.value.message) == "This link is not valid (any more)."


# managing by link


def test_the_manage_link_shows_the_appointment_with_its_calendar_file(office):
    booked = office.book(at("09:00"))

    shown = citizens.view_by_token(
        citizens.ViewByLink(office.manage_token(booked["appointment_id"])), office.uow
    )

    assert shown["appointment_id"] == booked["appointment_id"]
    assert shown["status"] == "confirmed" and "BEGIN:VCALENDAR" in shown["ics"]


def test_cancelling_by_link_frees_the_slot_and_mails_a_cancelling_calendar_entry(office):
    booked = office.book(at("09:00"))

    cancelled = manage(office, citizens.CancelByLink, booked["appointment_id"])

    assert cancelled["status"] == "cancelled"
    [mail] = office.uow.payloads_of("appointment_cancelled")
    assert mail["cancelled_by"] == "citizen"
    assert "METHOD:CANCEL" in mail["ics"]


def test_a_cancelled_appointment_cannot_be_cancelled_again(office):
    booked = office.book(at("09:00"))
    manage(office, citizens.CancelByLink, booked["appointment_id"])

    with pytest.raises(IllegalTransition) as refused:
        manage(office, citizens.CancelByLink, booked["appointment_id"])

    assert refused.value.code == "illegal_transition"
    assert refused.value.details["from"] == "cancelled"
    assert refused.value.details["action"] == "cancel"
    assert refused.value.details["allowed"] == []
    assert office.uow.published_types().count("appointment_cancelled") == 1


def test_an_appointment_that_has_begun_can_no_longer_be_cancelled(office):
    booked = office.book(at("09:00"))
    office.clock.advance(hours=2)  # 09:00

    with pytest.raises(IllegalTransition) as refused:
        manage(office, citizens.CancelByLink, booked["appointment_id"])

    assert "has begun" in refused.value.message
    assert refused.value.details["to"] == "cancelled"
    assert office.uow.payloads_of("appointment_cancelled") == []


def test_a_cancelled_slot_is_offered_again_only_after_the_rebooking_delay(office):
    booked = office.book(at("09:00"))
    manage(office, citizens.CancelByLink, booked["appointment_id"])

    with pytest.raises(SlotTaken):
        office.hold(at("09:00"), "max@example.org")
    office.clock.advance(seconds=office.settings.rebook_delay_seconds)

    assert office.hold(at("09:00"), "max@example.org")["status"] == "held"


def test_rescheduling_moves_the_appointment_and_mails_where_it_was(office):
    booked = office.book(at("09:00"))
    first_link = office.manage_token(booked["appointment_id"])

    moved = manage(office, citizens.RescheduleByLink, booked["appointment_id"], start=at("11:00"))

    assert moved["start"] == "2027-06-02T11:00:00+02:00"
    [mail] = office.uow.payloads_of("appointment_rescheduled")
    assert mail["previous_start"] == "2027-06-02T09:00:00+02:00"
    assert office.manage_token(booked["appointment_id"]) != first_link
    shown = citizens.view_by_token(citizens.ViewByLink(first_link), office.uow)
    assert shown["start"] == moved["start"]  # the first link shows it where it is now


def test_rescheduling_to_a_taken_slot_keeps_the_appointment_where_it_was(office):
    office.book(at("11:00"), "max@example.org")
    booked = office.book(at("09:00"))

    with pytest.raises(SlotTaken):
        manage(office, citizens.RescheduleByLink, booked["appointment_id"], start=at("11:00"))

    shown = citizens.view_by_token(
        citizens.ViewByLink(office.manage_token(booked["appointment_id"])), office.uow
    )
    assert shown["start"] == "2027-06-02T09:00:00+02:00"
    assert office.uow.payloads_of("appointment_rescheduled") == []


def test_a_cancelled_appointment_cannot_be_rescheduled(office):
    booked = office.book(at("09:00"))
    manage(office, citizens.CancelByLink, booked["appointment_id"])

    with pytest.raises(IllegalTransition) as refused:
        manage(office, citizens.RescheduleByLink, booked["appointment_id"], start=at("11:00"))

    assert refused.value.details["action"] == "reschedule"


def test_an_unknown_manage_token_is_an_invalid_link(office):
    with pytest.raises(InvalidLink):
        citizens.view_by_token(citizens.ViewByLink("made-up"), office.uow)


# a signed-in citizen's own


def test_a_signed_in_citizen_lists_their_own_appointments_latest_first(office):
    office.hold(at("09:00"), citizen="citizen-erika")
    office.hold(at("11:00"), citizen="citizen-erika")
    office.hold(at("10:00"), "max@example.org", citizen="citizen-max")

    mine = citizens.my_appointments(citizens.ListMine("citizen-erika"), office.uow)

    assert [a["start"][11:16] for a in mine] == ["11:00", "09:00"]


def test_a_signed_in_citizen_confirms_their_hold_once(office):
    held = office.hold(at("09:00"), citizen="citizen-erika")
    command = citizens.ConfirmMine("citizen-erika", held["appointment_id"])

    confirmed = citizens.confirm_mine(command, office.uow, office.clock, office.settings)
    with pytest.raises(IllegalTransition) as refused:
        citizens.confirm_mine(command, office.uow, office.clock, office.settings)

    assert confirmed["status"] == "confirmed"
    assert refused.value.details["allowed"] == ["cancel", "check_in", "no_show", "reschedule"]
    assert office.uow.published_types().count("appointment_confirmed") == 1


def test_another_citizens_appointment_is_answered_as_none_of_yours(office):
    held = office.hold(at("09:00"), citizen="citizen-erika")
    command = citizens.CancelMine("citizen-max", held["appointment_id"])

    with pytest.raises(NotYourAppointment) as refused:
        citizens.cancel_mine(command, office.uow, office.clock, office.settings)

    assert refused.value.code == "not_your_appointment"
    assert office.uow.payloads_of("appointment_cancelled") == []


def test_a_cancelled_hold_takes_its_confirmation_link_with_it(office):
    held = office.hold(at("09:00"), citizen="citizen-erika")
    token = office.confirm_token(held["appointment_id"])

    cancelled = citizens.cancel_mine(
        citizens.CancelMine("citizen-erika", held["appointment_id"]),
        office.uow,
        office.clock,
        office.settings,
    )

    assert cancelled["status"] == "cancelled"
    with pytest.raises(InvalidLink):
        citizens.confirm(citizens.ConfirmByLink(token), office.uow, office.clock, office.settings)
