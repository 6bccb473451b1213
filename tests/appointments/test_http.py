"""A citizen books through the gateway's HTTP API, as a portal does; bots and races are refused."""

from __future__ import annotations

import eventlet
import pytest
import requests

from tests.gateway.test_challenge import fetch_challenge, solved
from tests.support.appointments import (
    a_working_day,
    free_slots_of,
    hold_request,
    office_time,
    token_of,
)

API = "/api/v1/appointments"
NO_LIMITS = {
    "booking": {"per_minute": 100000, "burst": 100000},
    "availability": {"per_minute": 100000, "burst": 100000},
}


@pytest.fixture
def portal(office, start_gateway, web_session):
    """The gateway in front of the test office; limits high unless a test starts its own."""
    start_gateway(rate_limits=NO_LIMITS)
    return web_session


def first_slot(portal, days_ahead=7):
    return free_starts(portal, days_ahead)[0]


def free_starts(portal, days_ahead=7) -> list[str]:
    day = a_working_day(days_ahead).isoformat()
    answer = portal.get(
        f"{API}/availability", params={"service": "id-card", "from": day, "to": day}
    )
    assert answer.status_code == 200, answer.text
    return [slot["start"] for slot in free_slots_of(answer.json())]


def booking(portal, start, email="erika@example.org", **changes):
    return {**hold_request(start, email), "altcha": solved(fetch_challenge(portal)), **changes}


def assert_error(answer, status, code):
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text


def test_a_citizen_finds_holds_confirms_and_cancels_an_appointment(portal, events):
    services = portal.get(f"{API}/services").json()["services"]
    assert {"id-card", "registration"} <= {service["key"] for service in services}
    start = first_slot(portal)

    held = portal.post(f"{API}/holds", json=booking(portal, start))

    assert held.status_code == 201, held.text
    assert held.json()["status"] == "held"
    confirm_token = token_of(events.wait_for("appointment_held")[0]["payload"]["confirm_url"])
    confirmed = portal.post(f"{API}/confirmations", json={"token": confirm_token})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    manage_token = token_of(events.wait_for("appointment_confirmed")[0]["payload"]["manage_url"])
    looked_up = portal.post(f"{API}/manage", json={"token": manage_token}).json()
    assert looked_up["start"] == start and "BEGIN:VCALENDAR" in looked_up["ics"]
    cancelled = portal.post(f"{API}/manage/cancel", json={"token": manage_token})
    assert cancelled.json()["status"] == "cancelled"
    # the link shows what became of the appointment, and acts no more
    shown = portal.post(f"{API}/manage", json={"token": manage_token}).json()
    assert shown["status"] == "cancelled" and "METHOD:CANCEL" in shown["ics"]
    assert_error(
        portal.post(f"{API}/manage/cancel", json={"token": manage_token}),
        409,
        "illegal_transition",
    )


def confirmed_over_http(portal, events, start, email="erika@example.org") -> str:
    """Book and confirm `start` as a portal does; the manage token of the confirmation mail."""
    held = portal.post(f"{API}/holds", json=booking(portal, start, email))
    assert held.status_code == 201, held.text
    appointment_id = held.json()["appointment_id"]
    mail = events.wait_for_one("appointment_held", appointment_id=appointment_id)
    confirm_token = token_of(mail["payload"]["confirm_url"])
    assert portal.post(f"{API}/confirmations", json={"token": confirm_token}).ok
    confirmation = events.wait_for_one("appointment_confirmed", appointment_id=appointment_id)
    return token_of(confirmation["payload"]["manage_url"])


def rescheduled_over_http(portal, events, token, start) -> str:
    """Move the appointment with a manage link; the manage token of the rescheduling mail."""
    moved = portal.post(
        f"{API}/manage/reschedule",
        json={"token": token, "start": start, "altcha": solved(fetch_challenge(portal))},
    )
    assert moved.status_code == 200, moved.text
    moved_id = moved.json()["appointment_id"]
    mail = events.wait_for_one("appointment_rescheduled", appointment_id=moved_id, start=start)
    return token_of(mail["payload"]["manage_url"])


def test_the_link_in_the_first_mail_still_cancels_after_a_rescheduling(portal, events):
    first, later = free_starts(portal)[0:5:4]
    first_mail = confirmed_over_http(portal, events, first)
    rescheduled_over_http(portal, events, first_mail, later)

    cancelled = portal.post(f"{API}/manage/cancel", json={"token": first_mail})

    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["start"]) == ("cancelled", later)
    [event] = events.wait_for("appointment_cancelled")
    assert event["payload"]["start"] == later


def test_after_two_reschedulings_the_oldest_link_shows_and_manages_the_current_appointment(
    portal, events
):
    first, second, third, fourth = free_starts(portal)[0:13:4]  # an hour apart
    oldest = confirmed_over_http(portal, events, first)
    middle = rescheduled_over_http(portal, events, oldest, second)
    newest = rescheduled_over_http(portal, events, middle, third)

    shown = portal.post(f"{API}/manage", json={"token": oldest})

    assert shown.status_code == 200, shown.text
    assert (shown.json()["status"], shown.json()["start"]) == ("confirmed", third)
    assert "SEQUENCE:2" in shown.json()["ics"]
    rescheduled_over_http(portal, events, oldest, fourth)
    for token in (oldest, middle, newest):
        assert portal.post(f"{API}/manage", json={"token": token}).json()["start"] == fourth


def test_a_manage_link_reaches_only_the_appointment_it_was_mailed_for(portal, events):
    start = first_slot(portal)
    eriks = confirmed_over_http(portal, events, start, "erik@example.org")
    idas = confirmed_over_http(portal, events, start, "ida@example.org")
    ida_id = portal.post(f"{API}/manage", json={"token": idas}).json()["appointment_id"]

    cancelled = portal.post(f"{API}/manage/cancel", json={"token": eriks}).json()

    assert cancelled["email"] == "erik@example.org" and cancelled["appointment_id"] != ida_id
    still = portal.post(f"{API}/manage", json={"token": idas}).json()
    assert (still["email"], still["status"]) == ("ida@example.org", "confirmed")
    assert_error(portal.post(f"{API}/manage", json={"token": "x" * 43}), 404, "invalid_link")


def test_two_hundred_concurrent_attempts_at_five_places_book_exactly_five(
    portal, office, web_config_port
):
    office.put_capacity("town-hall", "id-card", {"desks": 8, "online_desks": 8})
    start = first_slot(portal)
    for number in range(3):
        assert portal.post(
            f"{API}/holds", json=booking(portal, start, f"early-{number}@example.org")
        ).ok
    bodies = [booking(portal, start, f"rush-{number}@example.org") for number in range(200)]
    url = f"http://127.0.0.1:{web_config_port}{API}/holds"

    def attempt(body):
        with requests.Session() as session:  # a connection of its own, like another browser
            answer = session.post(url, json=body)
        return answer.status_code, answer.json().get("error", {}).get("code")

    outcomes = list(eventlet.GreenPool(200).imap(attempt, bodies))

    assert outcomes.count((201, None)) == 5
    assert outcomes.count((409, "slot_taken")) == 195


def test_a_booking_without_proof_of_work_is_asked_for_one(portal):
    body = hold_request(first_slot(portal))
    assert_error(portal.post(f"{API}/holds", json=body), 400, "challenge_required")
    assert_error(
        portal.post(f"{API}/holds", json={**body, "altcha": "bm90IGEgc29sdXRpb24="}),
        400,
        "challenge_failed",
    )


def test_a_solution_buys_one_booking_only(portal):
    start = first_slot(portal)
    body = booking(portal, start)
    assert portal.post(f"{API}/holds", json=body).status_code == 201
    again = {**body, "email": "max@example.org"}
    assert_error(portal.post(f"{API}/holds", json=again), 400, "challenge_spent")


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"service": "dog-licence"}, 404, "unknown_service"),
        ({"location": "moon-base"}, 404, "unknown_location"),
        ({"start": "2020-01-06T09:00:00+01:00"}, 400, "date_in_past"),
        ({"email": "not-an-address"}, 400, "invalid_input"),
    ],
)
def test_a_booking_with_bad_input_gets_a_clear_error(portal, change, status, code):
    answer = portal.post(f"{API}/holds", json={**booking(portal, first_slot(portal)), **change})
    assert_error(answer, status, code)


def test_a_time_off_the_hours_or_out_of_the_window_gets_a_clear_error(portal):
    early = office_time(a_working_day(), "07:00")
    assert_error(portal.post(f"{API}/holds", json=booking(portal, early)), 400, "slot_not_offered")
    far = office_time(a_working_day(500), "09:00")
    assert_error(
        portal.post(f"{API}/holds", json=booking(portal, far)), 400, "outside_booking_window"
    )


def test_too_many_active_appointments_are_refused(portal):
    day = a_working_day().isoformat()
    slots = portal.get(f"{API}/availability", params={"service": "id-card", "from": day, "to": day})
    slots = free_slots_of(slots.json())
    for slot in slots[:3]:
        assert portal.post(f"{API}/holds", json=booking(portal, slot["start"])).status_code == 201
    answer = portal.post(f"{API}/holds", json=booking(portal, slots[3]["start"]))
    assert_error(answer, 409, "too_many_appointments")
    assert answer.json()["error"]["details"] == {"limit": 3}


@pytest.fixture
def short_holds(appointment_settings):
    appointment_settings["hold_seconds"] = 1


def test_confirming_an_expired_hold_is_gone(short_holds, portal, events):
    portal.post(f"{API}/holds", json=booking(portal, first_slot(portal)))
    events.wait_for("appointment_hold_expired")
    token = token_of(events.of_type("appointment_held")[0]["payload"]["confirm_url"])
    assert_error(portal.post(f"{API}/confirmations", json={"token": token}), 410, "hold_expired")


def test_one_address_asking_too_often_is_slowed_down(office, start_gateway, web_session):
    # bursts of 30 as by default, refilled slowly enough that 31 requests on a busy machine
    # (the default refills one every half second) cannot earn another
    start_gateway(rate_limits={"availability": {"per_minute": 6, "burst": 30}})
    day = a_working_day().isoformat()
    query = {"service": "id-card", "from": day, "to": day}
    answers = [web_session.get(f"{API}/availability", params=query) for _ in range(31)]
    assert [a.status_code for a in answers[:30]] == [200] * 30
    assert_error(answers[30], 429, "rate_limited")
    assert int(answers[30].headers["Retry-After"]) >= 1


def test_the_desk_works_the_day_over_http(portal, login, events):
    start = first_slot(portal)
    portal.post(f"{API}/holds", json=booking(portal, start))
    token = token_of(events.wait_for("appointment_held")[0]["payload"]["confirm_url"])
    appointment_id = portal.post(f"{API}/confirmations", json={"token": token}).json()[
        "appointment_id"
    ]
    clerk = login("clerk")

    listed = portal.get(f"{API}/desk/town-hall/{start[:10]}", headers=clerk)
    assert [a["appointment_id"] for a in listed.json()["appointments"]] == [appointment_id]
    early = portal.post(f"{API}/desk/appointments/{appointment_id}/check-in", headers=clerk)
    assert_error(early, 409, "illegal_transition")  # a week early
    assert_error(
        portal.get(f"{API}/desk/town-hall/{start[:10]}", headers=login("citizen")), 403, "forbidden"
    )
    figures = portal.get(
        f"{API}/statistics", params={"from": start[:10], "to": start[:10]}, headers=clerk
    )
    assert figures.json()["rows"][0]["booked"] == 1
