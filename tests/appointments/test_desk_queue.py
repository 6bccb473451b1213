"""The day's queue at the desk: tickets at check-in, walk-ins, the next visit called to a
desk, the hall's display, the desk's list in parts, the waits told and counted."""

from __future__ import annotations

import pytest

from services.appointments import service as appointments_service
from services.appointments.errors import NobodyWaiting, NoSuchDesk
from services.common.errors import Forbidden
from tests.appointments.test_desk import DESK_DAY, book_soon, station  # noqa: F401
from tests.support.clients import cluster_client

TODAY = DESK_DAY.isoformat()


def test_arrivals_and_walk_ins_take_the_days_next_ticket_and_wait_in_one_queue(
    station,  # noqa: F811
    anyone,
    events,
):
    booked = book_soon(anyone, events, "erika@example.org")
    arrived = station.desk_action(booked["appointment_id"], "check_in")
    walk_in = station.issue_walk_in("station", "registration")

    assert (arrived["ticket"], walk_in["ticket"]) == (1, 2)
    assert (walk_in["ticket_label"], walk_in["status"], walk_in["walk_in"]) == (
        "002",
        "checked_in",
        True,
    )
    assert walk_in["name"] is None
    # the walk-in arrived now, before the booked slot, so it waits first
    assert walk_in["wait_minutes"] == 0
    board = station.desk_board("station", TODAY, 1)
    assert board["counts"] == {"expected": 0, "waiting": 2, "called": 0, "served": 0, "no_show": 0}
    assert [visit["ticket"] for visit in board["visits"]] == [2, 1]
    assert [visit["wait_minutes"] for visit in board["visits"]] == [0, 8]
    issued = events.wait_for_one("walk_in_ticket_issued", appointment_id=walk_in["appointment_id"])
    assert issued["payload"]["ticket"] == 2


def test_a_walk_in_sent_twice_with_its_key_is_one_ticket(station):  # noqa: F811
    first = station.issue_walk_in("station", "registration", idempotency_key="form-1")
    again = station.issue_walk_in("station", "registration", idempotency_key="form-1")
    other = station.issue_walk_in("station", "registration", idempotency_key="form-2")

    assert again["appointment_id"] == first["appointment_id"]
    assert other["ticket"] == first["ticket"] + 1


def test_the_next_visit_is_called_to_the_desk_and_the_display_shows_number_and_desk_only(
    station,  # noqa: F811
    events,
):
    first = station.issue_walk_in("station", "registration")
    second = station.issue_walk_in("station", "registration")

    called = station.call_next("station", 2)
    assert (called["appointment_id"], called["called_desk"]) == (first["appointment_id"], 2)
    appointments_service.now.advance(minutes=1)
    also = station.call_next("station", 1)
    assert also["appointment_id"] == second["appointment_id"]

    shown = station.call_display("station")
    assert [(call["ticket_label"], call["desk"]) for call in shown["calls"]] == [
        ("002", 1),
        ("001", 2),
    ]
    assert set(shown["calls"][0]) == {"ticket", "ticket_label", "desk", "called_at"}
    at_desk = station.desk_board("station", TODAY, 2)["at_desk"]
    assert at_desk["appointment_id"] == first["appointment_id"]

    station.desk_action(first["appointment_id"], "serve")
    assert [call["desk"] for call in station.call_display("station")["calls"]] == [1]
    finished = events.wait_for_one("walk_in_finished", appointment_id=first["appointment_id"])
    assert finished["payload"]["outcome"] == "completed"
    changes = events.wait_for("desk_queue_changed", count=5)
    assert {name: changes[2]["payload"][name] for name in ("status", "desk", "ticket")} == {
        "status": "called",
        "desk": 2,
        "ticket": 1,
    }
    assert "name" not in changes[0]["payload"]


def test_calling_with_nobody_waiting_or_at_a_desk_the_location_lacks_is_refused(
    station,  # noqa: F811
):
    with pytest.raises(NobodyWaiting):
        station.call_next("station", 1)
    station.issue_walk_in("station", "registration")
    with pytest.raises(NoSuchDesk):
        station.call_next("station", 3)  # the station has two desks
    with pytest.raises(NoSuchDesk):
        station.desk_board("station", TODAY, 3)


def test_the_desks_list_reads_a_part_of_the_day_a_page_at_a_time(
    station,  # noqa: F811
    anyone,
    events,
):
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        book_soon(anyone, events, email)

    first = station.desk_board("station", TODAY, 1, "expected", 0, 2)
    rest = station.desk_board("station", TODAY, 1, "expected", 2, 2)

    assert first["counts"]["expected"] == 3
    assert len(first["visits"]) == 2 and len(rest["visits"]) == 1
    assert first["visits"][0]["name"] == "Erika Mustermann"
    assert first["visits"][0]["allowed"] == ["check_in", "no_show"]
    assert first["services"] == [{"key": "registration", "name": "Anmeldung"}]


def test_the_figures_count_walk_ins_and_how_long_visitors_waited(station):  # noqa: F811
    walk_in = station.issue_walk_in("station", "registration")
    station.call_next("station", 1)
    station.desk_action(walk_in["appointment_id"], "serve")

    [row] = station.statistics(TODAY, TODAY, "station")["rows"]
    assert (row["booked"], row["walk_ins"], row["served"]) == (0, 1, 1)
    assert row["median_wait_minutes"] == 0


def test_only_the_office_issues_tickets_and_reads_the_board(station):  # noqa: F811
    citizen = {"user_id": "citizen-erika", "user_role": "citizen"}
    with cluster_client(citizen) as client:
        with pytest.raises(Forbidden):
            client.appointments.issue_walk_in("station", "registration")
        with pytest.raises(Forbidden):
            client.appointments.desk_board("station", TODAY, 1)
        assert client.appointments.call_display("station")["calls"] == []
