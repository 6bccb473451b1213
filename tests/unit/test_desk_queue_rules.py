"""The day's queue at the desk: which part of the list a visit is in, ticket numbers, and
the wait a newcomer is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.appointments import queue
from services.appointments.statistics import Outcome, figures

NINE = datetime(2027, 6, 2, 7, 0, tzinfo=UTC)


def test_each_status_on_the_desks_list_is_in_one_part_and_holds_are_in_none():
    assert queue.section_of("confirmed") == "expected"
    assert queue.section_of("checked_in") == "waiting"
    assert queue.section_of("called") == "called"
    assert queue.section_of("completed") == "served"
    assert queue.section_of("no_show") == "no_show"
    assert queue.section_of("held") is None
    assert queue.section_of("cancelled") is None


def test_a_ticket_reads_as_three_digits_and_the_numbers_start_again_after_the_last():
    assert queue.ticket_label(7) == "007"
    assert queue.ticket_label(1234) == "1234"
    assert queue.next_ticket(0) == 1
    assert queue.next_ticket(queue.MAX_TICKET) == 1


def test_nobody_ahead_means_no_wait():
    assert queue.estimated_wait_minutes(0, 30.0, 1, 15) == 0


def test_before_anyone_is_served_the_wait_is_the_planned_duration_per_visit_ahead_per_desk():
    assert queue.estimated_wait_minutes(4, None, 2, 15) == 30


def test_once_visits_were_served_the_wait_follows_how_long_they_took_rounded_up():
    assert queue.estimated_wait_minutes(3, 11.0, 2, 30) == 17


def test_a_desk_count_of_zero_counts_as_one_desk():
    assert queue.estimated_wait_minutes(2, None, 0, 10) == 20


def an_outcome(status: str, *, walk_in: bool = False, waited: int | None = None) -> Outcome:
    checked_in = NINE if waited is not None else None
    called = NINE + timedelta(minutes=waited) if waited is not None else None
    return Outcome(
        "id-card", "town-hall", status, NINE, NINE - timedelta(days=2), walk_in, checked_in, called
    )


def test_the_figures_count_walk_ins_apart_from_bookings_and_tell_the_waits():
    [row] = figures(
        [
            an_outcome("completed", waited=4),
            an_outcome("completed", waited=10),
            an_outcome("no_show"),
            an_outcome("completed", walk_in=True, waited=20),
        ]
    )
    assert (row["booked"], row["walk_ins"], row["served"], row["no_show"]) == (3, 1, 3, 1)
    assert row["median_wait_minutes"] == 10
    assert row["p90_wait_minutes"] == 20
    assert row["median_lead_time_hours"] == 48
