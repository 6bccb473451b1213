"""Citizens propose ideas and support them: one support per idea, a limited number per
period; the public counts the supports but never sees who gave them."""

from __future__ import annotations

import pytest

from services.feedback.errors import (
    AlreadySupported,
    ItemClosed,
    NotAnIdea,
    SupportLimitReached,
    UnknownCategory,
)
from tests.support.clients import as_caller
from tests.support.feedback import EVERY_DEPARTMENT, idea, report


@pytest.fixture
def feedback_settings():
    return {"supports_per_period": 2, "support_period_days": 30, "submissions_per_hour": 50}


def test_an_idea_goes_to_its_department_and_counts_supports_once_each(feedback, feedback_events):
    with as_caller("citizen", "anna") as anna:
        proposed = anna.feedback.submit_idea(idea())
    assert proposed["kind"] == "idea" and proposed["supports"] == 0
    submitted = feedback_events.wait_for_one("idea_submitted", item_id=proposed["id"])
    assert submitted["payload"]["department"] == "urban_planning"

    with as_caller("citizen", "ben") as ben:
        supported = ben.feedback.support(proposed["id"])
        with pytest.raises(AlreadySupported):
            ben.feedback.support(proposed["id"])
    with as_caller("citizen", "carla") as carla:
        assert carla.feedback.support(proposed["id"])["supports"] == 2

    assert supported["supports"] == 1
    counted = feedback_events.wait_for("idea_supported", count=2)
    assert [e["payload"]["supports"] for e in counted] == [1, 2]
    assert all("citizen" not in e["payload"] for e in counted)


def test_supporting_past_the_limit_of_the_period_is_refused(feedback):
    with as_caller("citizen", "anna") as anna:
        ideas = [anna.feedback.submit_idea(idea(title=f"Idee {n}")) for n in range(3)]
    with as_caller("citizen", "ben") as ben:
        ben.feedback.support(ideas[0]["id"])
        ben.feedback.support(ideas[1]["id"])
        with pytest.raises(SupportLimitReached) as refused:
            ben.feedback.support(ideas[2]["id"])
    assert refused.value.details["limit"] == 2
    assert refused.value.details["next_support_at"]


def test_only_open_ideas_take_supports(feedback):
    with as_caller("citizen", "anna") as anna:
        problem = anna.feedback.submit_report(report())
        proposal = anna.feedback.submit_idea(idea())
        with pytest.raises(UnknownCategory):
            anna.feedback.submit_idea(idea(category="pothole"))
    with as_caller("clerk", "clara", EVERY_DEPARTMENT) as clara:
        clara.feedback.change_status(proposal["id"], {"status": "rejected", "answer": "Zu teuer."})
    with as_caller("citizen", "ben") as ben:
        with pytest.raises(NotAnIdea):
            ben.feedback.support(problem["id"])
        with pytest.raises(ItemClosed):
            ben.feedback.support(proposal["id"])


def test_comments_are_public_without_who_wrote_them(feedback):
    with as_caller("citizen", "anna") as anna:
        proposal = anna.feedback.submit_idea(idea())
        anna.feedback.comment(proposal["id"], {"body": "Gerne auch am Osthofenwall."})
    with as_caller("clerk", "clara", EVERY_DEPARTMENT) as clara:
        clara.feedback.comment(proposal["id"], {"body": "Wir prüfen das im Verkehrsausschuss."})
        office_view = clara.feedback.comments(proposal["id"])
    with as_caller("citizen", "ben") as ben:
        public = ben.feedback.comments(proposal["id"])

    assert [c["body"] for c in public["comments"]] == [
        "Gerne auch am Osthofenwall.",
        "Wir prüfen das im Verkehrsausschuss.",
    ]
    assert [c["from_office"] for c in public["comments"]] == [False, True]
    assert all("author" not in c for c in public["comments"])
    assert [c["author"] for c in office_view["comments"]] == ["anna", "clara"]
