"""The day at the desk, use case by use case, on a fake unit of work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.appointments.errors import NobodyWaiting, NoSuchDesk
from services.appointments.use_cases import desk
from services.common.errors import InvalidInput, NotFound
from services.common.identity import Caller
from services.common.transitions import IllegalTransition
from tests.unit.appointments.office import CLERK, DAY, at, town_hall


@pytest.fixture
def office(fake_uow):
    return town_hall(fake_uow)


def act(office, appointment_id, action, at_desk=None):
    command = desk.ActAtDesk(appointment_id, action, at_desk, caller=CLERK)
    return desk.desk_action(command, office.uow, office.clock)


def walk_in(office, service="registration", key=None, clerk="clerk-anna"):
    command = desk.IssueWalkIn(Caller(subject=clerk, role="clerk"), "town-hall", service, key)
    return desk.issue_walk_in(command, office.uow, office.clock)


def call_next(office, at_desk=1):
    return desk.call_next(
        desk.CallNext("town-hall", at_desk, caller=CLERK), office.uow, office.clock
    )


def board(office, section="waiting", at_desk=1):
    command = desk.ReadBoard("town-hall", DAY, at_desk, section, caller=CLERK)
    return desk.board(command, office.uow, office.clock)


def test_the_day_list_shows_the_booked_appointments_in_order_but_no_holds(office):
    later = office.book(at("10:00"))
    earlier = office.book(at("09:00"), "max@example.org")
    office.hold(at("11:00"), "lena@example.org")

    listed = desk.day_list(desk.ReadDayList("town-hall", DAY, caller=CLERK), office.uow)

    assert listed["date"] == "2027-06-02"
    ids = [a["appointment_id"] for a in listed["appointments"]]
    assert ids == [earlier["appointment_id"], later["appointment_id"]]


def test_checking_in_on_the_day_draws_a_ticket_and_tells_the_office_and_the_desks(office):
    booked = office.book(at("09:00"))

    arrived = act(office, booked["appointment_id"], "check_in")

    assert arrived["status"] == "checked_in" and arrived["ticket"] == 1
    [checked_in] = office.uow.payloads_of("appointment_checked_in")
    assert checked_in["appointment_id"] == booked["appointment_id"]
    assert "email" not in checked_in  # the office's facts, not a mail
    [queue] = office.uow.payloads_of("desk_queue_changed")
    assert (queue["ticket"], queue["status"], queue["walk_in"]) == (1, "checked_in", False)


def test_checking_in_is_refused_on_any_other_day_than_the_appointments(office):
    booked = office.book(at("09:00", DAY + timedelta(days=1)))
    published = len(office.uow.published)

    with pytest.raises(IllegalTransition) as refused:
        act(office, booked["appointment_id"], "check_in")

    assert refused.value.code == "illegal_transition"
    assert refused.value.message == "Check-in is possible on the appointment's day only."
    assert refused.value.details["from"] == "confirmed"
    assert refused.value.details["to"] == "checked_in"
    assert len(office.uow.published) == published


def test_checking_in_is_open_from_the_start_of_the_appointments_day(office):
    booked = office.book(at("17:00"))  # the clock says 07:00, ten hours ahead

    assert act(office, booked["appointment_id"], "check_in")["status"] == "checked_in"


def test_the_desk_cannot_serve_a_citizen_who_has_not_arrived(office):
    booked = office.book(at("09:00"))

    with pytest.raises(IllegalTransition) as refused:
        act(office, booked["appointment_id"], "serve")

    assert refused.value.message == "Not possible for an appointment that is confirmed."
    assert refused.value.details["allowed"] == ["check_in", "no_show"]
    assert office.uow.payloads_of("appointment_completed") == []


def test_a_call_names_the_desk_and_publishes_only_to_the_desks(office):
    booked = office.book(at("09:00"))
    act(office, booked["appointment_id"], "check_in")

    called = act(office, booked["appointment_id"], "call", at_desk=2)

    assert called["status"] == "called" and called["called_desk"] == 2
    assert office.uow.payloads_of("desk_queue_changed")[-1]["desk"] == 2
    assert office.uow.published_types().count("appointment_checked_in") == 1


def test_a_call_to_a_desk_the_location_does_not_have_is_refused(office):
    booked = office.book(at("09:00"))
    act(office, booked["appointment_id"], "check_in")

    with pytest.raises(NoSuchDesk) as refused:
        act(office, booked["appointment_id"], "call", at_desk=3)

    assert refused.value.details == {"desk": 3}


def test_a_served_citizen_is_told_so_with_what_a_mail_needs(office):
    booked = office.book(at("09:00"))
    act(office, booked["appointment_id"], "check_in")
    act(office, booked["appointment_id"], "call", at_desk=1)

    served = act(office, booked["appointment_id"], "serve")

    assert served["status"] == "completed"
    [completed] = office.uow.payloads_of("appointment_completed")
    assert completed["email"] == "erika@example.org"


def test_a_citizen_who_did_not_come_is_noted_as_a_no_show(office):
    booked = office.book(at("09:00"))

    missed = act(office, booked["appointment_id"], "no_show")

    assert missed["status"] == "no_show"
    [no_show] = office.uow.payloads_of("appointment_no_show")
    assert no_show["appointment_id"] == booked["appointment_id"]


def test_an_unknown_desk_action_is_refused_as_invalid_input(office):
    booked = office.book(at("09:00"))

    with pytest.raises(InvalidInput) as refused:
        act(office, booked["appointment_id"], "dance")

    assert refused.value.details == {"action": ["check_in", "call", "serve", "no_show"]}


def test_an_unknown_appointment_is_not_found_at_the_desk(office):
    with pytest.raises(NotFound) as refused:
        act(office, "00000000-0000-0000-0000-000000000000", "check_in")

    assert refused.value.code == "not_found"


def test_the_next_call_takes_who_has_waited_first(office):
    later = office.book(at("10:00"))
    earlier = office.book(at("09:00"), "max@example.org")
    act(office, later["appointment_id"], "check_in")
    act(office, earlier["appointment_id"], "check_in")

    first = call_next(office, at_desk=1)
    second = call_next(office, at_desk=2)

    assert first["appointment_id"] == earlier["appointment_id"] and first["called_desk"] == 1
    assert second["appointment_id"] == later["appointment_id"] and second["called_desk"] == 2


def test_calling_the_next_when_nobody_waits_is_refused(office):
    office.book(at("09:00"))  # booked, not arrived

    with pytest.raises(NobodyWaiting) as refused:
        call_next(office)

    assert refused.value.details == {"location": "town-hall"}


def test_a_walk_in_gets_the_next_ticket_and_waits_in_the_queue(office):
    booked = office.book(at("09:00"))
    act(office, booked["appointment_id"], "check_in")

    ticket = walk_in(office)

    assert ticket["ticket"] == 2 and ticket["ticket_label"] == "002"
    assert ticket["walk_in"] is True and ticket["status"] == "checked_in"
    [issued] = office.uow.payloads_of("walk_in_ticket_issued")
    assert issued["ticket"] == 2 and issued["location"] == "town-hall"


def test_a_walk_in_sent_again_with_its_key_is_the_same_ticket(office):
    first = walk_in(office, key="ticket-1")
    again = walk_in(office, key="ticket-1")

    assert again["appointment_id"] == first["appointment_id"]
    assert office.uow.published_types().count("walk_in_ticket_issued") == 1


def test_a_served_walk_in_is_told_as_a_walk_in_not_as_an_appointment(office):
    ticket = walk_in(office)
    act(office, ticket["appointment_id"], "call", at_desk=1)

    act(office, ticket["appointment_id"], "serve")

    [finished] = office.uow.payloads_of("walk_in_finished")
    assert finished["outcome"] == "completed"
    assert office.uow.payloads_of("appointment_completed") == []


def test_the_hall_display_shows_ticket_numbers_and_desks_never_a_name(office):
    booked = office.book(at("09:00"))
    act(office, booked["appointment_id"], "check_in")
    call_next(office, at_desk=2)

    shown = desk.call_display(desk.ReadCallDisplay("town-hall"), office.uow, office.clock)

    [call] = shown["calls"]
    assert (call["ticket_label"], call["desk"]) == ("001", 2)
    assert "Erika" not in str(shown)


def test_the_board_counts_each_part_of_the_day_and_shows_who_waits(office):
    waiting = office.book(at("09:00"))
    office.book(at("10:00"), "max@example.org")
    act(office, waiting["appointment_id"], "check_in")

    seen = board(office)

    assert seen["counts"]["expected"] == 1 and seen["counts"]["waiting"] == 1
    [visit] = seen["visits"]
    assert visit["appointment_id"] == waiting["appointment_id"]
    assert visit["allowed"] == ["call", "serve", "no_show"]
    assert seen["today"] is True and seen["at_desk"] is None


def test_the_board_of_a_desk_the_location_does_not_have_is_refused(office):
    with pytest.raises(NoSuchDesk):
        board(office, at_desk=5)


def test_the_figures_count_the_days_outcomes_and_repeat_the_asked_dates(office):
    served = office.book(at("09:00"))
    missed = office.book(at("10:00"), "max@example.org")
    act(office, served["appointment_id"], "check_in")
    act(office, served["appointment_id"], "serve")
    act(office, missed["appointment_id"], "no_show")
    command = desk.ReadFigures("2027-06-02", "2027-06-02", DAY, DAY, caller=CLERK)

    figures = desk.statistics(command, office.uow)

    assert (figures["date_from"], figures["date_to"]) == ("2027-06-02", "2027-06-02")
    [row] = figures["rows"]
    assert (row["booked"], row["served"], row["no_show"], row["no_show_rate"]) == (2, 1, 1, 0.5)
