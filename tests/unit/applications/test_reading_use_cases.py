"""Reading cases: a citizen's own list, the clerks' worklist in pages of their departments'
cases, and a cursor this list did not give refused as `invalid_cursor`."""

from __future__ import annotations

import base64
import json

import pytest

from services.applications import use_cases
from services.common.keyset import InvalidCursor, encode_cursor
from tests.unit.applications.office import ADA, ANNA, BEN, CLARA, NINA, THEO, Desk, desk_of, types


@pytest.fixture
def desk(fake_uow) -> Desk:
    return desk_of(fake_uow)


def numbers(page: dict) -> list[str]:
    return [case["case_number"] for case in page["cases"]]


def my_cases(desk: Desk, citizen=ANNA) -> list[dict]:
    return use_cases.my_cases(use_cases.MyCases(citizen), desk.uow, desk.clock, types=types())


def test_a_citizen_lists_their_own_cases_newest_first(desk):
    desk.submit()
    desk.clock.advance(hours=1)
    desk.submit(desk.dog_application())
    desk.submit(desk.parking_application(BEN), BEN)

    assert [case["case_number"] for case in my_cases(desk)] == [
        "2026-HST-000001",
        "2026-BPA-000001",
    ]
    assert "assignee" not in my_cases(desk)[0]


def test_a_case_past_its_due_date_is_overdue_until_it_is_closed(desk):
    case_id = desk.submit()["case_id"]
    assert my_cases(desk)[0]["overdue"] is False

    desk.clock.advance(days=15)
    assert my_cases(desk)[0]["overdue"] is True

    desk.move(ANNA, case_id, "withdraw")
    assert my_cases(desk)[0]["overdue"] is False


def test_the_worklist_pages_through_every_case_in_order(desk):
    submitted = []
    for _ in range(5):
        submitted.append(desk.submit()["case_number"])
        desk.clock.advance(minutes=1)

    first = desk.worklist(limit=2)
    second = desk.worklist(limit=2, cursor=first["next_cursor"])
    third = desk.worklist(limit=2, cursor=second["next_cursor"])

    assert numbers(first) + numbers(second) + numbers(third) == submitted
    assert third["next_cursor"] is None
    assert numbers(desk.worklist(sort="-submitted_at", limit=1)) == [submitted[-1]]


def test_a_clerk_lists_only_the_cases_of_their_departments(desk):
    desk.submit()
    desk.submit(desk.dog_application())

    assert numbers(desk.worklist(CLARA)) == ["2026-BPA-000001"]
    assert numbers(desk.worklist(THEO)) == ["2026-HST-000001"]
    assert numbers(desk.worklist(THEO, application_type="bewohnerparkausweis")) == []
    assert desk.worklist(NINA)["cases"] == []
    assert sorted(numbers(desk.worklist(ADA))) == ["2026-BPA-000001", "2026-HST-000001"]


def test_the_worklist_filters_by_assignee_status_and_overdue(desk):
    assigned = desk.submit()["case_id"]
    desk.submit()
    command = use_cases.AssignCase(CLARA, assigned, "clara")
    use_cases.assign_case(command, desk.uow, desk.clock, types=types())

    mine = desk.worklist(assignee="clara")
    assert [case["case_id"] for case in mine["cases"]] == [assigned]
    assert mine["cases"][0]["assignee"] == "clara"
    assert desk.worklist(status="approved")["cases"] == []
    assert desk.worklist(overdue=True)["cases"] == []
    desk.clock.advance(days=15)
    assert len(desk.worklist(overdue=True)["cases"]) == 2


@pytest.mark.parametrize(
    "cursor",
    [
        "not-ours",
        base64.urlsafe_b64encode(json.dumps([1, 2, 3]).encode()).decode(),
        encode_cursor([17, "a-case"]),  # the shape, but no moment to start from
    ],
)
def test_a_cursor_this_list_did_not_give_is_refused(desk, cursor):
    desk.submit()

    with pytest.raises(InvalidCursor) as refused:
        desk.worklist(cursor=cursor)

    assert refused.value.code == "invalid_cursor"
    assert refused.value.http_status == 400


def test_the_citizen_reads_their_case_without_the_offices_business(desk):
    case_id = desk.submit()["case_id"]
    use_cases.add_note(
        use_cases.AddNote(CLARA, case_id, "Halter prüfen"), desk.uow, desk.clock, types=types()
    )

    seen = desk.case(ANNA, case_id)
    worked = desk.case(CLARA, case_id)

    assert "notes" not in seen and "assignee" not in seen
    assert "actor" not in seen["history"][0]
    assert worked["notes"][0]["text"] == "Halter prüfen"
    assert worked["history"][0]["actor"] == "anna"
