"""Merging duplicates: the office keeps one of several reports of the same problem; the
duplicate's followers, "me too"s and supports count on the one kept, the duplicate is closed
pointing at it, and item_merged says what moved."""

from __future__ import annotations

import pytest

from services.common.transitions import IllegalTransition
from services.feedback.errors import CannotMerge, ItemNotFound
from tests.support.clients import as_caller
from tests.support.feedback import EVERY_DEPARTMENT, ROADS, idea, report


def test_a_duplicate_merged_brings_its_followers_and_me_toos_to_the_report_kept(
    feedback, feedback_events
):
    with as_caller("citizen", "anna") as anna:
        kept = anna.feedback.submit_report(report(email="anna@example.org"))
    with as_caller("citizen", "ben") as ben:
        duplicate = ben.feedback.submit_report(report(email="ben@example.org"))
    with as_caller("citizen", "carl") as carl:
        carl.feedback.me_too(duplicate["id"], {"email": "carl@example.org", "language": "en"})
        carl.feedback.me_too(kept["id"], {"email": "carl@example.org", "language": "en"})
    with as_caller("citizen", "dora") as dora:
        dora.feedback.me_too(duplicate["id"], {"email": "dora@example.org"})
    with as_caller("clerk", "rolf", ROADS) as rolf:
        merged = rolf.feedback.merge(
            duplicate["id"], {"into": kept["id"], "answer": "Schon gemeldet, wir kümmern uns."}
        )
        closed = rolf.feedback.office_item(duplicate["id"])
        kept_now = rolf.feedback.office_item(kept["id"])

    # ben (the duplicate's author) and dora are new "me too"s; carl said it on both
    assert merged["id"] == kept["id"] and merged["me_too"] == 3
    assert (closed["status"], closed["duplicate_of"]) == ("duplicate", kept["id"])
    assert closed["official_answer"] == "Schon gemeldet, wir kümmern uns."
    assert [d["id"] for d in kept_now["duplicates"]] == [duplicate["id"]]
    assert closed["next_statuses"] == ["in_review"]
    event = feedback_events.wait_for_one("item_merged", item_id=kept["id"])
    assert event["payload"] | {"merged_at": None} == {
        "item_id": kept["id"],
        "duplicate_id": duplicate["id"],
        "kind": "report",
        "category": "streetlight",
        "department": "roads",
        "followers_carried": 2,
        "me_too_carried": 2,
        "supports_carried": 0,
        "me_too": 3,
        "supports": 0,
        "merged_at": None,
    }
    # the duplicate's followers hear of the answer on the report kept, each once
    with as_caller("clerk", "rolf", ROADS) as rolf:
        rolf.feedback.change_status(kept["id"], {"status": "done", "answer": "Repariert."})
    answer = feedback_events.wait_for_one(
        "official_answer_published", item_id=kept["id"], answer="Repariert."
    )
    assert sorted(r["citizen"] for r in answer["payload"]["recipients"]) == [
        "anna",
        "ben",
        "carl",
        "dora",
    ]


def test_a_merged_idea_brings_its_supports(feedback):
    with as_caller("citizen", "anna") as anna:
        kept = anna.feedback.submit_idea(idea())
    with as_caller("citizen", "ben") as ben:
        duplicate = ben.feedback.submit_idea(idea(title="Radweg auf dem Wall"))
        ben.feedback.support(kept["id"])
    for citizen in ("carl", "dora"):
        with as_caller("citizen", citizen) as supporter:
            supporter.feedback.support(duplicate["id"])
    with as_caller("citizen", "carl") as carl:
        carl.feedback.support(kept["id"])
    with as_caller("admin", "ada") as ada:
        merged = ada.feedback.merge(duplicate["id"], {"into": kept["id"]})

    assert merged["supports"] == 3  # ben, carl, and dora's from the duplicate


def test_what_cannot_be_merged_is_refused_and_nothing_moves(feedback):
    with as_caller("citizen", "anna") as anna:
        problem = anna.feedback.submit_report(report())
        other = anna.feedback.submit_report(report(title="Noch eine Laterne"))
        proposal = anna.feedback.submit_idea(idea())
    with as_caller("clerk", "clara", EVERY_DEPARTMENT) as clara:
        with pytest.raises(CannotMerge):
            clara.feedback.merge(problem["id"], {"into": problem["id"]})
        with pytest.raises(CannotMerge):
            clara.feedback.merge(problem["id"], {"into": proposal["id"]})
        clara.feedback.merge(other["id"], {"into": problem["id"]})
        # the duplicate is closed: it merges no more, nor is it kept
        with pytest.raises(IllegalTransition):
            clara.feedback.merge(other["id"], {"into": problem["id"]})
        with pytest.raises(CannotMerge):
            clara.feedback.merge(problem["id"], {"into": other["id"]})
        assert clara.feedback.office_item(problem["id"])["status"] == "submitted"


def test_a_clerk_merges_only_items_of_their_departments(feedback):
    with as_caller("citizen", "anna") as anna:
        kept = anna.feedback.submit_report(report())
        duplicate = anna.feedback.submit_report(report(title="Laterne dunkel"))
    with as_caller("clerk", "petra", ("parks",)) as petra, pytest.raises(ItemNotFound):
        petra.feedback.merge(duplicate["id"], {"into": kept["id"]})
    with as_caller("clerk", "rolf", ROADS) as rolf:
        assert rolf.feedback.office_item(duplicate["id"])["status"] == "submitted"
