"""The office moves reports and ideas through their statuses, answers them and merges
duplicates; every refusal of a move is the one `illegal_transition`. Use cases on a fake
unit of work: no broker, no database server."""

from __future__ import annotations

import pytest

from services.common.keyset import InvalidCursor
from services.common.loading import load
from services.common.transitions import IllegalTransition
from services.feedback.errors import CannotMerge, DuplicateOfRequired, ItemNotFound
from services.feedback.schemas import MergeInput, WorklistQuery
from services.feedback.use_cases import office
from tests.unit.feedback.world import ADA, BEN, PIA, ROLF, World


@pytest.fixture
def world(fake_uow) -> World:
    return World(fake_uow)


def answer(world: World, item_id: str, text: str, by=ROLF, key: str | None = None) -> dict:
    command = office.PublishAnswer(by, item_id, text, "en", key)
    return office.publish_answer(command, world.uow, world.clock, world.setting)


def merge(world: World, duplicate_id: str, kept_id: str, by=ROLF, text=None) -> dict:
    loaded = load(MergeInput, {"into": kept_id, "answer": text})
    command = office.Merge(by, duplicate_id, loaded, "en")
    return office.merge(command, world.uow, world.clock, world.setting)


def worklist(world: World, by=ROLF, **query) -> dict:
    command = office.Worklist(by, load(WorklistQuery, query), "en")
    return office.worklist(command, world.uow)


def test_a_clerk_moves_a_report_of_their_department_and_its_followers_hear_of_it(world):
    item = world.report()
    world.forget_published()

    moved = world.move(item["id"], "accepted", by=ROLF)

    assert moved["status"] == "accepted" and moved["status_name"] == "In progress"
    [payload] = world.uow.payloads_of("report_status_changed")
    assert (payload["previous_status"], payload["status"]) == ("submitted", "accepted")
    assert payload["status_en"] == "In progress" and payload["answered"] is False
    assert payload["recipients"][0]["citizen"] == "anna"


def test_an_idea_moved_publishes_an_idea_status_change(world):
    idea = world.idea()
    world.forget_published()

    world.move(idea["id"], "in_review")

    assert world.uow.published_types() == ["idea_status_changed"]


def test_a_move_with_an_answer_publishes_the_answer_too(world):
    item = world.report()
    world.forget_published()

    moved = world.move(item["id"], "done", answer="Die Laterne brennt wieder.")

    assert moved["official_answer"] == "Die Laterne brennt wieder." and moved["closed_at"]
    assert world.uow.published_types() == ["report_status_changed", "official_answer_published"]
    assert world.uow.payloads_of("report_status_changed")[0]["answered"] is True


def test_a_move_the_table_does_not_hold_is_an_illegal_transition(world):
    item = world.report()
    world.move(item["id"], "done")
    world.forget_published()

    with pytest.raises(IllegalTransition) as refused:
        world.move(item["id"], "accepted")

    assert refused.value.code == "illegal_transition"
    assert refused.value.details == {"from": "done", "to": "accepted", "allowed": ["in_review"]}
    assert world.uow.published == []


def test_no_status_moves_to_itself(world):
    item = world.report()

    with pytest.raises(IllegalTransition):
        world.move(item["id"], "submitted")


def test_another_departments_clerk_does_not_find_the_report(world):
    item = world.report()

    with pytest.raises(ItemNotFound):
        world.move(item["id"], "accepted", by=PIA)

    assert world.uow.published_types() == ["report_submitted"]


def test_a_duplicate_names_the_item_it_repeats(world):
    first = world.report()
    second = world.report(BEN)

    with pytest.raises(DuplicateOfRequired):
        world.move(second["id"], "duplicate")
    marked = world.move(second["id"], "duplicate", duplicate_of=first["id"])

    assert marked["duplicate_of"] == first["id"] and marked["closed_at"]


def test_a_duplicate_of_itself_is_refused(world):
    item = world.report()

    with pytest.raises(DuplicateOfRequired):
        world.move(item["id"], "duplicate", duplicate_of=item["id"])


def test_an_answer_keeps_the_status_and_reaches_the_followers(world):
    item = world.report()
    world.forget_published()

    answered = answer(world, item["id"], "Wir kümmern uns.")

    assert answered["status"] == "submitted" and answered["official_answer"] == "Wir kümmern uns."
    [payload] = world.uow.payloads_of("official_answer_published")
    assert payload["answer"] == "Wir kümmern uns." and payload["status_de"] == "Eingegangen"


def test_the_same_answer_again_with_its_key_is_published_once(world):
    item = world.report()

    answer(world, item["id"], "Wir kümmern uns.", key="a-1")
    answer(world, item["id"], "Wir kümmern uns.", key="a-1")

    assert world.uow.published_types().count("official_answer_published") == 1


def test_the_office_item_names_the_statuses_it_may_move_to(world):
    item = world.report()

    shown = office.office_item(office.OfficeItem(ROLF, item["id"], "en"), world.uow, world.setting)

    assert shown["next_statuses"] == ["in_review", "accepted", "done", "rejected", "duplicate"]
    assert shown["moderation"] == [] and shown["duplicates"] == []


def test_a_merge_closes_the_duplicate_and_carries_its_author_as_me_too(world):
    kept = world.report()
    duplicate = world.report(BEN)
    world.forget_published()

    shown = merge(world, duplicate["id"], kept["id"])

    assert shown["id"] == kept["id"] and shown["me_too"] == 1
    assert world.uow.published_types() == ["report_status_changed", "item_merged"]
    [merged] = world.uow.payloads_of("item_merged")
    assert merged["duplicate_id"] == duplicate["id"] and merged["followers_carried"] == 1


def test_a_merge_into_an_idea_is_refused(world):
    report = world.report()
    idea = world.idea(ADA, category="climate")

    with pytest.raises(CannotMerge):
        merge(world, report["id"], idea["id"], by=ADA)

    assert "item_merged" not in world.uow.published_types()


def test_a_closed_item_merged_again_is_an_illegal_transition(world):
    kept = world.report()
    duplicate = world.report(BEN)
    world.move(duplicate["id"], "rejected")

    with pytest.raises(IllegalTransition) as refused:
        merge(world, duplicate["id"], kept["id"])

    assert refused.value.details["from"] == "rejected"


def test_the_worklist_pages_the_newest_first(world):
    first = world.report()
    world.clock.advance(minutes=1)
    second = world.report(BEN)

    page = worklist(world, limit=1)
    rest = worklist(world, limit=1, cursor=page["next_cursor"])

    assert [item["id"] for item in page["items"]] == [second["id"]]
    assert [item["id"] for item in rest["items"]] == [first["id"]]
    assert rest["next_cursor"] is None
    assert page["items"][0]["exact_latitude"] == 51.5711


def test_the_worklist_shows_only_the_callers_departments(world):
    world.report()

    assert worklist(world, by=PIA)["items"] == []
    assert len(worklist(world, by=ADA)["items"]) == 1


def test_a_cursor_the_list_did_not_give_is_an_invalid_cursor(world):
    with pytest.raises(InvalidCursor) as refused:
        worklist(world, cursor="not-a-cursor")

    assert refused.value.code == "invalid_cursor"
