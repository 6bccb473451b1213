"""The worklist's pages, read one after another through their cursors, hold every case in
reach once and in the order asked: for each sort and filter, for a clerk of one department,
of two (each type read apart, then merged) and for an admin. Cases share their moments
across types, so the id decides between them. On the real database, without the broker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.applications import cases
from services.applications.models import CaseRow
from services.applications.reach import Reach
from services.applications.schemas import Worklist
from services.common.loading import load
from services.common.migrations import upgrade
from services.common.settings import derive_database_url
from tests.support.databases import database_transaction

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
TYPES = ("bewohnerparkausweis", "meldebescheinigung", "hundesteuer")
STATUSES = ("submitted", "in_review", "completed", "information_requested")
PAGE = 7
REACHES = {
    "a clerk of traffic": Reach(frozenset({"bewohnerparkausweis"})),
    "a clerk of traffic and taxes": Reach(frozenset({"bewohnerparkausweis", "hundesteuer"})),
    "an admin": Reach(None),
}
QUERIES = (
    {},
    {"sort": "-submitted_at"},
    {"sort": "due_at"},
    {"sort": "-due_at"},
    {"status": "in_review"},
    {"status": "in_review", "sort": "-due_at"},
    {"assignee": "clerk-02"},
    {"overdue": True},
    {"overdue": True, "sort": "due_at"},
    {"application_type": "hundesteuer", "sort": "-submitted_at"},
)


def a_case(number: int) -> dict:
    """Three cases (one of each type) share each moment; their due dates tie too."""
    kind = TYPES[number % 3]
    status = STATUSES[number % len(STATUSES)]
    submitted_at = NOW - timedelta(days=60) + timedelta(hours=12 * (number // 3))
    return {
        "id": str(uuid.UUID(int=number * 7919 % 1000 + 1, version=4)),
        "number": f"2026-T{number % 3}-{number:06d}",
        "application_type": kind,
        "citizen": f"citizen-{number}",
        "contact": {"name": f"Bürgerin {number}"},
        "language": "de",
        "form": {},
        "submission": {},
        "status": status,
        "closed": status == "completed",
        "assignee": f"clerk-0{number % 5 % 3}",
        "open_request": None,
        "submitted_at": submitted_at,
        "due_at": submitted_at + timedelta(days=14 if number % 2 else 21),
        "updated_at": submitted_at,
    }


@pytest.fixture
def office_cases(database_url) -> tuple[str, list[dict]]:
    url = derive_database_url(database_url, "applications")
    upgrade("applications", url)
    rows = [a_case(number) for number in range(120)]
    with database_transaction(url) as connection:
        connection.execute(insert(CaseRow.__table__), rows)
    return url, rows


def expected(rows: list[dict], query: dict, reach: Reach) -> list[str]:
    held = [
        row
        for row in rows
        if reach.covers(row["application_type"])
        and query.get("application_type", row["application_type"]) == row["application_type"]
        and query.get("status", row["status"]) == row["status"]
        and query.get("assignee", row["assignee"]) == row["assignee"]
        and (not query.get("overdue") or (not row["closed"] and row["due_at"] < NOW))
    ]
    sort = query.get("sort", "submitted_at")
    column = sort.lstrip("-")
    held.sort(key=lambda row: (row[column], row["id"]), reverse=sort.startswith("-"))
    return [row["id"] for row in held]


def every_page(url: str, query: dict, reach: Reach) -> list[str]:
    listed, cursor = [], None
    with database_transaction(url) as connection:
        session = Session(connection)
        while True:
            asked = load(Worklist, {**query, "limit": PAGE, "cursor": cursor})
            rows, cursor = cases.worklist(session, asked, NOW, reach)
            assert len(rows) <= PAGE
            listed += [row.id for row in rows]
            if cursor is None:
                return listed


@pytest.mark.parametrize("who", list(REACHES))
def test_the_pages_hold_each_case_in_reach_once_in_the_order_asked(office_cases, who):
    url, rows = office_cases
    reach = REACHES[who]
    for query in QUERIES:
        wanted = expected(rows, query, reach)
        # each query finds some cases, but a type out of the clerk's reach
        assert wanted or not reach.covers(query.get("application_type", TYPES[0])), query
        assert every_page(url, query, reach) == wanted, query


def test_a_type_out_of_reach_lists_nothing(office_cases):
    url, _ = office_cases
    assert (
        every_page(
            url, {"application_type": "meldebescheinigung"}, REACHES["a clerk of traffic and taxes"]
        )
        == []
    )
    assert every_page(url, {}, Reach(frozenset())) == []
