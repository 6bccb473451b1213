"""Moderation: three flags hide content until a moderator decides; an edit keeps the
original; banned accounts may read but no longer take part."""

from __future__ import annotations

import pytest

from services.feedback.errors import AccountBanned, AlreadyFlagged, ItemNotFound
from tests.support.clients import as_caller, cluster_client
from tests.support.feedback import EVERY_DEPARTMENT, idea, report


def flag_by(subjects, target_kind, target_id, reason="abusive"):
    for subject in subjects:
        with as_caller("citizen", subject) as citizen:
            citizen.feedback.flag(target_kind, target_id, {"reason": reason})


def test_three_flags_hide_a_report_until_a_moderator_restores_it(feedback, feedback_events):
    with as_caller("citizen", "anna") as anna:
        problem = anna.feedback.submit_report(report())

    flag_by(["ben", "carla"], "item", problem["id"])
    with cluster_client() as public:
        assert public.feedback.get_item(problem["id"])["id"] == problem["id"]  # two: still shown
    with as_caller("citizen", "ben") as ben, pytest.raises(AlreadyFlagged):
        ben.feedback.flag("item", problem["id"], {"reason": "spam"})
    flag_by(["dora"], "item", problem["id"])

    hidden = feedback_events.wait_for_one("content_hidden", target_id=problem["id"])
    assert hidden["payload"]["hidden_by"] == "flags" and hidden["payload"]["flags"] == 3
    with cluster_client() as public:
        with pytest.raises(ItemNotFound):
            public.feedback.get_item(problem["id"])
        assert public.feedback.public_map({"bbox": "51.5,8.0,51.65,8.25"})["items"] == []
    with as_caller("citizen", "anna") as anna:
        assert anna.feedback.get_item(problem["id"])["hidden"] is True  # the author still sees it
    with as_caller("clerk", "clara", EVERY_DEPARTMENT) as clara:
        queue = clara.feedback.moderation_queue()["entries"]
        assert [(e["target_id"], e["flags"], e["hidden"]) for e in queue] == [
            (problem["id"], 3, True)
        ]
        restored = clara.feedback.moderate(
            "item", problem["id"], {"decision": "restore", "reason": "Sachlich, kein Verstoß."}
        )
    assert restored["hidden"] is False
    assert [m["action"] for m in restored["moderation"]] == ["auto_hidden", "restored"]
    with as_caller("clerk", "clara", EVERY_DEPARTMENT) as clara:
        assert clara.feedback.moderation_queue()["entries"] == []  # decided: waits no longer
    with cluster_client() as public:
        assert public.feedback.get_item(problem["id"])["title"] == problem["title"]


def test_a_moderator_edit_keeps_the_original(feedback):
    with as_caller("citizen", "anna") as anna:
        proposal = anna.feedback.submit_idea(idea())
        comment = anna.feedback.comment(proposal["id"], {"body": "Ruf mich an: 0170 1234567"})
    flag_by(["ben", "carla", "dora"], "comment", comment["id"], reason="personal_data")
    with as_caller("citizen", "ben") as ben:
        assert ben.feedback.comments(proposal["id"])["comments"] == []
    with as_caller("clerk", "clara", EVERY_DEPARTMENT) as clara:
        edited = clara.feedback.moderate(
            "comment",
            comment["id"],
            {"decision": "edit", "reason": "Telefonnummer entfernt", "body": "Ruf mich an."},
        )
    with as_caller("citizen", "ben") as ben:
        shown = ben.feedback.comments(proposal["id"])["comments"]

    assert [c["body"] for c in shown] == ["Ruf mich an."]
    edit = edited["moderation"][-1]
    assert edit["action"] == "edited" and edit["moderator"] == "clara"
    assert edit["before"] == {"body": "Ruf mich an: 0170 1234567"}
    assert edit["after"] == {"body": "Ruf mich an."}


def test_a_banned_account_reads_but_takes_no_part(feedback):
    with as_caller("citizen", "anna") as anna:
        proposal = anna.feedback.submit_idea(idea())
    with as_caller("clerk", "clara", EVERY_DEPARTMENT) as clara:
        clara.feedback.ban("troll", {"reason": "Beleidigungen"})
        assert [b["account"] for b in clara.feedback.bans()] == ["troll"]
    with as_caller("citizen", "troll") as troll:
        assert troll.feedback.get_item(proposal["id"])["id"] == proposal["id"]
        for attempt in (
            lambda: troll.feedback.submit_idea(idea()),
            lambda: troll.feedback.comment(proposal["id"], {"body": "..."}),
            lambda: troll.feedback.support(proposal["id"]),
            lambda: troll.feedback.flag("item", proposal["id"], {"reason": "spam"}),
        ):
            with pytest.raises(AccountBanned):
                attempt()
    with as_caller("clerk", "clara", EVERY_DEPARTMENT) as clara:
        clara.feedback.unban("troll")
    with as_caller("citizen", "troll") as troll:
        assert troll.feedback.support(proposal["id"])["supports"] == 1
