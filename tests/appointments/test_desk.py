"""The desk works the day's list: check-in, call, served, no-show; and reads the figures."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from services.appointments import service as appointments_service
from services.common.errors import Forbidden, Unauthenticated
from services.common.local_time import OFFICE_TIMEZONE
from services.common.transitions import IllegalTransition
from tests.support.appointments import free_slots_of, hold_request, token_of
from tests.support.clients import cluster_client
from tests.support.clock import Clock

ALWAYS_OPEN = {
    "name": "Servicepunkt Bahnhof",
    "address": "Bahnhofstraße 1, 59494 Soest",
    "slot_minutes": 15,
    "min_notice_minutes": 0,
    "max_days_ahead": 30,
    "opening_hours": [{"weekdays": [1, 2, 3, 4, 5, 6, 7], "start": "00:00", "end": "24:00"}],
}


# a Wednesday morning, between two slots: whatever the hour the suite runs at, the next slot
# is today and a while ahead, so it is still free to book when the hold arrives
DESK_DAY = date(2027, 6, 2)
DESK_TIME = datetime(2027, 6, 2, 10, 7, 30, tzinfo=OFFICE_TIMEZONE)


@pytest.fixture
def station(office, monkeypatch):
    """A service point open around the clock, with the service's clock pinned on DESK_DAY,
    so a test can book for right now and check in."""
    monkeypatch.setattr(appointments_service, "now", Clock(DESK_TIME))
    office.put_location("station", ALWAYS_OPEN)
    office.put_capacity("station", "registration", {"desks": 2, "online_desks": 2})
    return office


def book_soon(client, events, email):
    """The next free slot at the station, on DESK_DAY, held and confirmed."""
    tomorrow = DESK_DAY + timedelta(days=1)
    slots = client.availability(
        "registration", DESK_DAY.isoformat(), tomorrow.isoformat(), "station"
    )
    held = client.hold(
        hold_request(
            free_slots_of(slots)[0]["start"], email, service="registration", location="station"
        )
    )
    mail = events.wait_for_one("appointment_held", appointment_id=held["appointment_id"])
    return client.confirm(token_of(mail["payload"]["confirm_url"]))


def test_a_citizen_is_checked_in_called_and_served(station, anyone, events):
    booked = book_soon(anyone, events, "erika@example.org")
    assert booked["start"] == "2027-06-02T10:15:00+02:00"  # the next slot, as the clock says
    day = booked["start"][:10]
    listed = station.day_list("station", day)["appointments"]
    assert [a["appointment_id"] for a in listed] == [booked["appointment_id"]]

    assert station.desk_action(booked["appointment_id"], "check_in")["status"] == "checked_in"
    assert station.desk_action(booked["appointment_id"], "call")["status"] == "called"
    assert station.desk_action(booked["appointment_id"], "serve")["status"] == "completed"

    [arrived] = events.wait_for("appointment_checked_in")
    [served] = events.wait_for("appointment_completed")
    assert arrived["payload"]["appointment_id"] == served["payload"]["appointment_id"]
    assert "email" not in arrived["payload"]  # the desk's events carry no personal data
    assert served["payload"]["email"] == "erika@example.org"  # an invitation to rate the visit


def test_a_citizen_who_does_not_come_is_marked_no_show_and_counted(station, anyone, events):
    came = book_soon(anyone, events, "erika@example.org")
    missed = book_soon(anyone, events, "max@example.org")
    station.desk_action(came["appointment_id"], "check_in")
    station.desk_action(came["appointment_id"], "serve")

    assert station.desk_action(missed["appointment_id"], "no_show")["status"] == "no_show"

    events.wait_for("appointment_no_show")
    day = came["start"][:10]
    [row] = station.statistics(day, missed["start"][:10], "station", "registration")["rows"]
    assert (row["booked"], row["served"], row["no_show"], row["no_show_rate"]) == (2, 1, 1, 0.5)
    assert row["median_lead_time_hours"] is not None and row["median_lead_time_hours"] < 1


def test_the_desk_cannot_serve_a_citizen_who_has_not_arrived(station, anyone, events):
    booked = book_soon(anyone, events, "erika@example.org")
    with pytest.raises(IllegalTransition) as refused:
        station.desk_action(booked["appointment_id"], "serve")
    assert "Not possible for an appointment that is confirmed" in str(refused.value)


def test_only_the_office_sees_the_day_list(station, anyone):
    with pytest.raises(Unauthenticated):
        anyone.day_list("station", date.today().isoformat())
    citizen = {"user_id": "citizen-erika", "user_role": "citizen"}
    with cluster_client(citizen) as client, pytest.raises(Forbidden):
        client.appointments.day_list("station", date.today().isoformat())
