"""A clerk works the reports and ideas of their departments: the worklist, the moderation
queue and the figures hold theirs only, an office move on another department's item finds
nothing, and another department's item reads as it does to the public. An admin works all."""

from __future__ import annotations

import pytest

from services.feedback.errors import ItemNotFound
from tests.support.clients import as_caller, cluster_client
from tests.support.feedback import ROADS, report

PARKS = ("parks",)


def flag_by(subjects, target_id):
    for subject in subjects:
        with as_caller("citizen", subject) as citizen:
            citizen.feedback.flag("item", target_id, {"reason": "abusive"})


@pytest.fixture
def streetlight_and_bench(feedback):
    """A report for roads (a streetlight) and one for parks (a bench), both flagged."""
    with as_caller("citizen", "anna") as anna:
        streetlight = anna.feedback.submit_report(report())
        bench = anna.feedback.submit_report(report("green_space", title="Bank kaputt", answers={}))
    flag_by(["ben"], streetlight["id"])
    flag_by(["ben"], bench["id"])
    return streetlight, bench


def test_the_office_lists_only_the_items_of_its_departments(streetlight_and_bench):
    streetlight, bench = streetlight_and_bench
    with as_caller("clerk", "rolf", ROADS) as rolf:
        listed = rolf.feedback.worklist({})
        queue = rolf.feedback.moderation_queue()
        figures = rolf.feedback.figures({})
    with as_caller("clerk", "nobody", ()) as nobody:
        assert nobody.feedback.worklist({})["items"] == []
        assert nobody.feedback.moderation_queue()["entries"] == []
    with as_caller("admin", "ada") as ada:
        everything = ada.feedback.worklist({})

    assert [item["id"] for item in listed["items"]] == [streetlight["id"]]
    assert listed["items"][0]["exact_latitude"] is not None
    assert [entry["item_id"] for entry in queue["entries"]] == [streetlight["id"]]
    assert {row["category"] for row in figures["items"]} == {"streetlight"}
    assert {item["id"] for item in everything["items"]} == {streetlight["id"], bench["id"]}


def test_another_departments_item_is_not_found_for_office_moves(streetlight_and_bench):
    streetlight, _bench = streetlight_and_bench
    with as_caller("clerk", "petra", PARKS) as petra:
        for move in (
            lambda: petra.feedback.office_item(streetlight["id"]),
            lambda: petra.feedback.change_status(streetlight["id"], {"status": "done"}),
            lambda: petra.feedback.publish_answer(streetlight["id"], {"text": "Erledigt."}),
            lambda: petra.feedback.moderate(
                "item", streetlight["id"], {"decision": "hide", "reason": "Beleidigung"}
            ),
        ):
            with pytest.raises(ItemNotFound):
                move()
        # what anyone may read, she may: the public view, without the office's part
        seen = petra.feedback.get_item(streetlight["id"])
    assert "author" not in seen and "history" not in seen


def test_a_hidden_item_of_another_department_is_not_found(streetlight_and_bench):
    streetlight, _bench = streetlight_and_bench
    with as_caller("clerk", "rolf", ROADS) as rolf:
        rolf.feedback.moderate(
            "item", streetlight["id"], {"decision": "hide", "reason": "Beleidigung"}
        )
        assert rolf.feedback.get_item(streetlight["id"])["hidden"] is True
        assert rolf.feedback.moderation_queue()["entries"] == []  # decided: waits no longer
    with as_caller("clerk", "petra", PARKS) as petra, pytest.raises(ItemNotFound):
        petra.feedback.get_item(streetlight["id"])
    with cluster_client() as anyone, pytest.raises(ItemNotFound):
        anyone.feedback.get_item(streetlight["id"])
