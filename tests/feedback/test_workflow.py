"""The office moves reports and ideas through their statuses and answers them; authors and
followers hear of it through events; an author reopens a closed report within the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from services.common.settings import database_url
from services.common.transitions import IllegalTransition
from services.feedback.errors import (
    DuplicateOfRequired,
    ReopenWindowPassed,
)
from services.feedback.models import ItemRow
from tests.support.clients import as_caller
from tests.support.databases import database_transaction
from tests.support.feedback import EVERY_DEPARTMENT, report


def test_an_answer_reaches_the_author_and_the_followers(feedback, feedback_events):
    with as_caller("citizen", "anna") as anna:
        problem = anna.feedback.submit_report(report(email="anna@example.org"))
    with as_caller("citizen", "ben") as ben:
        ben.feedback.follow(problem["id"], {"email": "ben@example.org", "language": "en"})
    with as_caller("clerk", "clara", EVERY_DEPARTMENT) as clara:
        clara.feedback.change_status(problem["id"], {"status": "in_review"})
        answered = clara.feedback.change_status(
            problem["id"], {"status": "accepted", "answer": "Der Bauhof tauscht die Lampe."}
        )

    assert answered["status"] == "accepted" and answered["status_name"] == "In Bearbeitung"
    assert answered["official_answer"] == "Der Bauhof tauscht die Lampe."
    changes = feedback_events.wait_for("report_status_changed", count=2)
    assert [(c["payload"]["status"], c["payload"]["answered"]) for c in changes] == [
        ("in_review", False),
        ("accepted", True),
    ]
    answer = feedback_events.wait_for_one("official_answer_published", item_id=problem["id"])
    assert answer["payload"]["recipients"] == [
        {"citizen": "anna", "email": "anna@example.org", "language": "de"},
        {"citizen": "ben", "email": "ben@example.org", "language": "en"},
    ]
    assert [h["status"] for h in answered["history"]] == ["submitted", "in_review", "accepted"]


def test_illegal_moves_name_the_allowed_ones(feedback):
    with as_caller("citizen", "anna") as anna:
        problem = anna.feedback.submit_report(report())
    with as_caller("clerk", "clara", EVERY_DEPARTMENT) as clara:
        clara.feedback.change_status(problem["id"], {"status": "done"})
        with pytest.raises(IllegalTransition) as refused:
            clara.feedback.change_status(problem["id"], {"status": "accepted"})
    assert refused.value.details["allowed"] == ["in_review"]


def test_a_duplicate_names_its_original(feedback):
    with as_caller("citizen", "anna") as anna:
        first = anna.feedback.submit_report(report())
    with as_caller("citizen", "ben") as ben:
        second = ben.feedback.submit_report(report())
    with as_caller("clerk", "clara", EVERY_DEPARTMENT) as clara:
        with pytest.raises(DuplicateOfRequired):
            clara.feedback.change_status(second["id"], {"status": "duplicate"})
        marked = clara.feedback.change_status(
            second["id"], {"status": "duplicate", "duplicate_of": first["id"]}
        )
    assert marked["duplicate_of"] == first["id"] and marked["closed_at"]


def test_the_author_reopens_a_closed_report_within_the_window_only(feedback, feedback_events):
    with as_caller("citizen", "anna") as anna:
        fixed = anna.feedback.submit_report(report())
        old = anna.feedback.submit_report(report(title="Alte Laterne"))
    with as_caller("clerk", "clara", EVERY_DEPARTMENT) as clara:
        for item in (fixed, old):
            clara.feedback.change_status(item["id"], {"status": "done", "answer": "Repariert."})
    # the second was closed 29 days ago: past the 28 days
    with database_transaction(database_url("feedback")) as connection:
        connection.execute(
            update(ItemRow)
            .where(ItemRow.id == old["id"])
            .values(closed_at=datetime.now(UTC) - timedelta(days=29))
        )

    with as_caller("citizen", "anna") as anna:
        reopened = anna.feedback.reopen(fixed["id"], {"text": "Die Lampe ist wieder aus."})
        with pytest.raises(ReopenWindowPassed):
            anna.feedback.reopen(old["id"], {"text": "Immer noch dunkel."})
    with as_caller("citizen", "ben") as ben, pytest.raises(Exception) as stranger:
        ben.feedback.reopen(fixed["id"], {"text": "Auch bei mir."})

    assert reopened["status"] == "in_review" and reopened["closed_at"] is None
    assert getattr(stranger.value, "code", None) == "item_not_found"
    change = feedback_events.wait_for_one(
        "report_status_changed", item_id=fixed["id"], status="in_review"
    )
    assert change["payload"]["previous_status"] == "done"
    assert change["payload"]["answered"] is False


def test_figures_count_items_by_category_and_status_and_time_to_answer(feedback):
    with as_caller("citizen", "anna") as anna:
        answered = anna.feedback.submit_report(report())
        anna.feedback.submit_report(report(category="pothole"))
        anna.feedback.submit_report(report(category="pothole"))
    with as_caller("clerk", "clara", EVERY_DEPARTMENT) as clara:
        clara.feedback.publish_answer(answered["id"], {"text": "Wir schauen es uns an."})
        clara.feedback.change_status(answered["id"], {"status": "done"})
        shown = clara.feedback.figures()

    counts = {(i["category"], i["status"]): i["count"] for i in shown["items"]}
    assert counts == {("streetlight", "done"): 1, ("pothole", "submitted"): 2}
    waited = shown["time_to_answer"]
    assert (waited["answered"], waited["unanswered"]) == (1, 2)
    assert 0 <= waited["median_hours"] < 0.1
    per_category = {c["category"]: c for c in waited["per_category"]}
    assert per_category["pothole"]["median_hours"] is None
    assert per_category["pothole"]["unanswered"] == 2
