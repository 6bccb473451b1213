"""Citizens hold, confirm, cancel and reschedule; the service keeps every rule while they do."""

from __future__ import annotations

import time

import pytest

from services.appointments.errors import (
    ChallengeSpent,
    DateInPast,
    HoldExpired,
    InvalidLink,
    NotYourAppointment,
    OutsideBookingWindow,
    SlotNotOffered,
    SlotTaken,
    TooManyAppointments,
    UnknownLocation,
    UnknownService,
)
from services.common.errors import InvalidInput
from services.common.transitions import IllegalTransition
from tests.support.appointments import (
    TOWN_HALL,
    a_working_day,
    free_slots_of,
    hold_request,
    office_time,
    token_of,
)
from tests.support.clients import cluster_client


def slots_on(client, day, service="id-card"):
    return free_slots_of(client.availability(service, day.isoformat(), day.isoformat()))


def free_at(client, start, service="id-card"):
    day = start[:10]
    slots = free_slots_of(client.availability(service, day, day))
    found = [slot for slot in slots if slot["start"] == start]
    return found[0]["free"] if found else 0


def confirmed(client, events, start, email="erika@example.org"):
    """Hold a slot and confirm it by the link in the mail; the confirmation event."""
    held = client.hold(hold_request(start, email))
    mail = events.wait_for_one("appointment_held", appointment_id=held["appointment_id"])
    client.confirm(token_of(mail["payload"]["confirm_url"]))
    return events.wait_for_one("appointment_confirmed", appointment_id=held["appointment_id"])


def test_a_held_slot_is_confirmed_by_the_link_in_the_mail(office, anyone, events):
    start = slots_on(anyone, a_working_day())[0]["start"]

    held = anyone.hold(hold_request(start))

    assert held["status"] == "held" and held["start"] == start
    assert free_at(anyone, start) == 1  # two online desks, one held
    [mail] = events.wait_for("appointment_held")
    assert mail["payload"]["email"] == "erika@example.org"
    assert mail["payload"]["hold_expires_at"] == held["hold_expires_at"]
    booked = anyone.confirm(token_of(mail["payload"]["confirm_url"]))
    assert booked["status"] == "confirmed"
    [confirmation] = events.wait_for("appointment_confirmed")
    assert confirmation["payload"]["start"] == start
    assert "DTSTART;TZID=Europe/Berlin" in confirmation["payload"]["ics"]
    assert confirmation["payload"]["documents"] == ["Altes Dokument"]


def test_a_wrong_or_used_link_tells_nothing(office, anyone, events):
    start = slots_on(anyone, a_working_day())[0]["start"]
    anyone.hold(hold_request(start))
    token = token_of(events.wait_for("appointment_held")[0]["payload"]["confirm_url"])
    anyone.confirm(token)

    with pytest.raises(InvalidLink) as used:
        anyone.confirm(token)
    with pytest.raises(InvalidLink) as wrong:
        anyone.confirm("x" * 43)
    with pytest.raises(InvalidLink) as wrong_manage:
        anyone.view_by_token(token)  # a confirmation link is no manage link
    assert str(used.value) == str(wrong.value) == str(wrong_manage.value)
    assert used.value.details == wrong.value.details == wrong_manage.value.details


@pytest.fixture
def short_holds(appointment_settings):
    appointment_settings["hold_seconds"] = 1


def test_a_hold_not_confirmed_in_time_expires_and_frees_the_slot(
    short_holds, office, anyone, events
):
    start = slots_on(anyone, a_working_day())[0]["start"]
    anyone.hold(hold_request(start, "first@example.org"))
    anyone.hold(hold_request(start, "second@example.org"))

    expired = events.wait_for("appointment_hold_expired", count=2)

    assert {e["payload"]["email"] for e in expired} == {"first@example.org", "second@example.org"}
    assert free_at(anyone, start) == 2
    token = token_of(events.of_type("appointment_held")[0]["payload"]["confirm_url"])
    with pytest.raises(HoldExpired):
        anyone.confirm(token)


def test_a_cancelled_slot_waits_out_the_rebooking_delay(
    appointment_settings, office, anyone, events
):
    appointment_settings["rebook_delay_seconds"] = 2  # read at each request
    start = slots_on(anyone, a_working_day())[0]["start"]
    manage = token_of(confirmed(anyone, events, start)["payload"]["manage_url"])
    assert anyone.view_by_token(manage)["status"] == "confirmed"

    cancelled = anyone.cancel_by_token(manage)

    assert cancelled["status"] == "cancelled"
    [event] = events.wait_for("appointment_cancelled")
    assert event["payload"]["cancelled_by"] == "citizen"
    assert "METHOD:CANCEL" in event["payload"]["ics"]
    assert free_at(anyone, start) == 1  # the freed place is not offered yet
    with pytest.raises(IllegalTransition):
        anyone.cancel_by_token(manage)
    time.sleep(2.5)
    assert free_at(anyone, start) == 2


def test_rescheduling_moves_the_appointment_and_mails_a_link_beside_the_first(
    office, anyone, events
):
    first, later = slots_on(anyone, a_working_day())[0]["start"], None
    later = slots_on(anyone, a_working_day(8))[0]["start"]
    manage = token_of(confirmed(anyone, events, first)["payload"]["manage_url"])

    moved = anyone.reschedule_by_token(manage, later)

    assert moved["start"] == later and moved["status"] == "confirmed"
    [event] = events.wait_for("appointment_rescheduled")
    assert event["payload"]["previous_start"] == first
    assert "SEQUENCE:1" in event["payload"]["ics"]
    assert free_at(anyone, later) == 1
    assert free_at(anyone, first) == 1  # the old place waits out the re-booking delay
    assert anyone.view_by_token(manage)["start"] == later
    assert anyone.view_by_token(token_of(event["payload"]["manage_url"]))["start"] == later


def test_an_email_address_may_hold_only_so_many_active_appointments(office, anyone):
    starts = [slot["start"] for slot in slots_on(anyone, a_working_day())[:4]]
    for start, email in zip(
        starts[:3], ["erika@example.org", "Erika@Example.org", "erika@example.org"], strict=False
    ):
        anyone.hold(hold_request(start, email))

    with pytest.raises(TooManyAppointments) as refused:
        anyone.hold(hold_request(starts[3], "ERIKA@example.org"))
    assert refused.value.details == {"limit": 3}


def test_a_proof_of_work_buys_one_booking(office, anyone):
    first, second = [slot["start"] for slot in slots_on(anyone, a_working_day())[:2]]
    anyone.hold(hold_request(first, "a@example.org", challenge="solved-once"))
    with pytest.raises(ChallengeSpent):
        anyone.hold(hold_request(second, "b@example.org", challenge="solved-once"))


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"service": "dog-licence"}, UnknownService),
        ({"location": "moon-base"}, UnknownLocation),
        ({"start": "2020-01-06T09:00:00+01:00"}, DateInPast),
        ({"email": "not-an-address"}, InvalidInput),
        ({"start": "2027-01-04T09:00:00"}, InvalidInput),  # no offset: which 09:00?
    ],
)
def test_a_hold_with_bad_input_is_refused_with_its_reason(office, anyone, change, error):
    start = slots_on(anyone, a_working_day())[0]["start"]
    with pytest.raises(error):
        anyone.hold({**hold_request(start), **change})


def test_a_time_outside_the_hours_or_the_window_is_refused(office, anyone):
    day = a_working_day()
    with pytest.raises(SlotNotOffered):
        anyone.hold(hold_request(office_time(day, "07:00")))
    with pytest.raises(SlotNotOffered):
        anyone.hold(hold_request(office_time(day, "09:05")))
    with pytest.raises(OutsideBookingWindow):
        anyone.hold(hold_request(office_time(a_working_day(500), "09:00")))


def test_a_signed_in_citizen_books_lists_and_cancels_their_own(office, anyone):
    start = slots_on(anyone, a_working_day())[0]["start"]
    with cluster_client({"user_id": "citizen-erika", "user_role": "citizen"}) as client:
        erika = client.appointments
        held = erika.hold(hold_request(start))
        assert erika.confirm_mine(held["appointment_id"])["status"] == "confirmed"
        with pytest.raises(IllegalTransition):
            erika.confirm_mine(held["appointment_id"])
        assert [a["appointment_id"] for a in erika.my_appointments()] == [held["appointment_id"]]
    with cluster_client({"user_id": "citizen-max", "user_role": "citizen"}) as client:
        assert client.appointments.my_appointments() == []
        with pytest.raises(NotYourAppointment):
            client.appointments.cancel_mine(held["appointment_id"])


def test_two_hundred_attempts_at_five_places_book_exactly_five(office, anyone):
    office.put_capacity("town-hall", "id-card", {"desks": 8, "online_desks": 8})
    start = slots_on(anyone, a_working_day())[0]["start"]
    for number in range(3):
        anyone.hold(hold_request(start, f"early-{number}@example.org"))
    assert free_at(anyone, start) == 5

    with cluster_client(timeout=60) as client:
        calls = [
            client.appointments.hold.call_async(hold_request(start, f"rush-{n}@example.org"))
            for n in range(200)
        ]
        outcomes = []
        for call in calls:
            try:
                outcomes.append(call.result()["status"])
            except SlotTaken:
                outcomes.append("slot_taken")

    assert outcomes.count("held") == 5
    assert outcomes.count("slot_taken") == 195
    assert free_at(anyone, start) == 0


def test_a_location_saved_again_still_shows_its_desks(office):
    saved = office.put_location("town-hall", {**TOWN_HALL, "buffer_units": 1})
    assert saved["buffer_units"] == 1
    assert {c["service"]: c["online_desks"] for c in saved["capacities"]} == {
        "id-card": 2,
        "registration": 1,
    }
