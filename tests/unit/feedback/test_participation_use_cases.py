"""Citizens say "me too", support ideas, follow, comment, flag, and reopen a closed report
of theirs. Use cases on a fake unit of work: no broker, no database server."""

from __future__ import annotations

import pytest

from services.common.keyset import InvalidCursor
from services.common.transitions import IllegalTransition
from services.feedback.errors import (
    AlreadyCounted,
    AlreadySupported,
    ItemClosed,
    ItemNotFound,
    NotAnIdea,
    NotAReport,
    ReopenWindowPassed,
    SupportLimitReached,
)
from services.feedback.use_cases import participation as taking_part
from tests.unit.feedback.world import ANNA, BEN, CARLA, NOBODY, ROLF, World


@pytest.fixture
def world(fake_uow) -> World:
    return World(fake_uow)


def me_too(world: World, item_id: str, caller=BEN) -> dict:
    command = taking_part.MeToo(caller, item_id, f"{caller.subject}@example.org", "en")
    return taking_part.me_too(command, world.uow, world.clock, world.setting)


def support(world: World, item_id: str, caller=BEN) -> dict:
    command = taking_part.Support(caller, item_id, "en")
    return taking_part.support(command, world.uow, world.clock, world.setting)


def comment(world: World, item_id: str, body: str, caller=BEN, key=None) -> dict:
    command = taking_part.AddComment(caller, item_id, {"body": body}, key)
    return taking_part.add_comment(command, world.uow, world.clock, world.setting)


def comments(world: World, item_id: str, caller=NOBODY, cursor=None, limit=50) -> dict:
    return taking_part.comments(taking_part.Comments(caller, item_id, cursor, limit), world.uow)


def reopen(world: World, item_id: str, caller=ANNA) -> dict:
    command = taking_part.Reopen(caller, item_id, "Sie ist wieder aus.", "en")
    return taking_part.reopen(command, world.uow, world.clock, world.setting)


def flag(world: World, item_id: str, caller) -> dict:
    command = taking_part.Flag(caller, "item", item_id, "Beleidigend")
    return taking_part.flag(command, world.uow, world.clock, world.setting)


def test_me_too_counts_once_and_the_citizen_follows(world):
    item = world.report()

    shown = me_too(world, item["id"])

    assert shown["me_too"] == 1 and shown["following"]
    with pytest.raises(AlreadyCounted):
        me_too(world, item["id"])


def test_an_author_says_no_me_too_on_their_own_report(world):
    item = world.report()

    with pytest.raises(AlreadyCounted) as refused:
        me_too(world, item["id"], ANNA)

    assert refused.value.code == "already_counted"


def test_me_too_on_an_idea_is_refused(world):
    idea = world.idea()

    with pytest.raises(NotAReport):
        me_too(world, idea["id"])


def test_a_closed_report_takes_no_me_too(world):
    item = world.report()
    world.move(item["id"], "done")

    with pytest.raises(ItemClosed):
        me_too(world, item["id"])


def test_a_support_counts_on_the_idea_and_is_published(world):
    idea = world.idea()
    world.forget_published()

    shown = support(world, idea["id"])

    assert shown["supports"] == 1
    [payload] = world.uow.payloads_of("idea_supported")
    assert payload == {
        "item_id": idea["id"],
        "category": "mobility",
        "supports": 1,
        "supported_at": world.clock().isoformat(),
    }


def test_a_second_support_of_the_same_idea_is_refused_and_publishes_nothing(world):
    idea = world.idea()
    support(world, idea["id"])
    world.forget_published()

    with pytest.raises(AlreadySupported):
        support(world, idea["id"])

    assert world.uow.published == []


def test_supports_past_the_periods_limit_are_refused_with_the_next_free_day(fake_uow):
    world = World(fake_uow, supports_per_period=1)
    first = world.idea()
    second = world.idea(CARLA)
    support(world, first["id"])

    with pytest.raises(SupportLimitReached) as refused:
        support(world, second["id"])

    assert refused.value.details["limit"] == 1
    assert refused.value.details["next_support_at"].startswith("2026-07-01")


def test_a_report_takes_no_support(world):
    item = world.report()

    with pytest.raises(NotAnIdea):
        support(world, item["id"])


def test_following_and_unfollowing_an_item(world):
    item = world.report()

    followed = taking_part.follow(
        taking_part.Follow(BEN, item["id"], None, "en"), world.uow, world.clock, world.setting
    )
    unfollowed = taking_part.unfollow(
        taking_part.Unfollow(BEN, item["id"], "en"), world.uow, world.setting
    )

    assert followed["following"] and not unfollowed["following"]


def test_comments_read_the_oldest_first_a_page_at_a_time(world):
    item = world.report()
    for body in ("Erster", "Zweiter", "Dritter"):
        comment(world, item["id"], body)
        world.clock.advance(minutes=1)

    page = comments(world, item["id"], limit=2)
    rest = comments(world, item["id"], cursor=page["next_cursor"], limit=2)

    assert [c["body"] for c in page["comments"]] == ["Erster", "Zweiter"]
    assert [c["body"] for c in rest["comments"]] == ["Dritter"]
    assert rest["next_cursor"] is None


def test_a_comments_cursor_the_list_did_not_give_is_an_invalid_cursor(world):
    item = world.report()

    with pytest.raises(InvalidCursor) as refused:
        comments(world, item["id"], cursor="e30")

    assert refused.value.code == "invalid_cursor"


def test_the_office_speaks_as_the_office_and_sees_who_wrote(world):
    item = world.report()
    comment(world, item["id"], "Wir schauen es uns an.", ROLF)
    world.clock.advance(minutes=1)
    comment(world, item["id"], "Danke!", ANNA)

    public = comments(world, item["id"])["comments"]
    seen_by_office = comments(world, item["id"], ROLF)["comments"]

    assert [c["from_office"] for c in public] == [True, False]
    assert "author" not in public[0] and seen_by_office[1]["author"] == "anna"


def test_the_same_comment_again_with_its_key_is_written_once(world):
    item = world.report()

    first = comment(world, item["id"], "Gleich", key="c-1")
    again = comment(world, item["id"], "Gleich", key="c-1")

    assert again["id"] == first["id"]
    assert len(comments(world, item["id"])["comments"]) == 1


def test_flags_from_enough_citizens_hide_an_item_until_a_moderator_decides(fake_uow):
    world = World(fake_uow, flags_to_hide=2)
    item = world.report()
    world.forget_published()

    flag(world, item["id"], BEN)
    flag(world, item["id"], CARLA)

    [hidden] = world.uow.payloads_of("content_hidden")
    assert hidden["hidden_by"] == "flags" and hidden["flags"] == 2
    with pytest.raises(ItemNotFound):
        world.move(item["id"], "accepted", by=BEN)


def test_an_author_reopens_a_closed_report_within_the_window(world):
    item = world.report()
    world.move(item["id"], "done")
    world.forget_published()

    reopened = reopen(world, item["id"])

    assert reopened["status"] == "in_review" and reopened["closed_at"] is None
    [payload] = world.uow.payloads_of("report_status_changed")
    assert payload["previous_status"] == "done" and payload["answered"] is False


def test_reopening_an_open_report_is_an_illegal_transition(world):
    item = world.report()

    with pytest.raises(IllegalTransition) as refused:
        reopen(world, item["id"])

    assert refused.value.details == {"from": "submitted", "to": "in_review", "allowed": []}
    assert world.uow.published_types() == ["report_submitted"]


def test_reopening_past_the_window_is_refused(fake_uow):
    world = World(fake_uow, reopen_days=28)
    item = world.report()
    world.move(item["id"], "done")
    world.clock.advance(days=29)

    with pytest.raises(ReopenWindowPassed) as refused:
        reopen(world, item["id"])

    assert refused.value.code == "reopen_window_passed"


def test_only_the_author_reopens(world):
    item = world.report()
    world.move(item["id"], "done")

    with pytest.raises(ItemNotFound):
        reopen(world, item["id"], BEN)
