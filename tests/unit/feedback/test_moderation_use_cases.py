"""Moderators decide on flagged content and ban accounts that abuse. Use cases on a fake
unit of work: no broker, no database server."""

from __future__ import annotations

import pytest

from services.common.loading import load
from services.feedback.errors import AccountBanned, ItemNotFound
from services.feedback.schemas import Moderation
from services.feedback.use_cases import moderation as moderating
from services.feedback.use_cases import participation as taking_part
from tests.unit.feedback.world import ADA, ANNA, BEN, CARLA, PIA, ROLF, World


@pytest.fixture
def world(fake_uow) -> World:
    return World(fake_uow, flags_to_hide=2)


def flag(world: World, item_id: str, caller) -> None:
    command = taking_part.Flag(caller, "item", item_id, "Beleidigend")
    taking_part.flag(command, world.uow, world.clock, world.setting)


def decide(world: World, item_id: str, by=ROLF, **decision) -> dict:
    loaded = load(Moderation, {"reason": "geprüft", **decision})
    command = moderating.Moderate(by, "item", item_id, loaded, "en")
    return moderating.moderate(command, world.uow, world.clock, world.setting)


def test_flagged_content_waits_in_the_queue_of_its_department(world):
    item = world.report()
    flag(world, item["id"], BEN)

    [entry] = moderating.queue(moderating.Queue(ROLF), world.uow)["entries"]

    assert entry["target_id"] == item["id"] and entry["flags"] == 1
    assert moderating.queue(moderating.Queue(PIA), world.uow)["entries"] == []


def test_a_moderator_restores_hidden_content_and_the_queue_is_empty(world):
    item = world.report()
    flag(world, item["id"], BEN)
    flag(world, item["id"], CARLA)

    restored = decide(world, item["id"], decision="restore")

    assert restored["hidden"] is False and restored["flags"] == 0
    assert [step["action"] for step in restored["moderation"]] == ["auto_hidden", "restored"]
    assert moderating.queue(moderating.Queue(ROLF), world.uow)["entries"] == []


def test_a_moderator_edit_keeps_the_replaced_text_in_the_log(world):
    item = world.report()

    edited = decide(world, item["id"], decision="edit", title="Laterne defekt")

    assert edited["title"] == "Laterne defekt"
    [logged] = edited["moderation"]
    assert logged["before"]["title"] == "Laterne aus"
    assert logged["after"] == {"title": "Laterne defekt"}


def test_hiding_publishes_that_a_moderator_hid_it(world):
    item = world.report()
    world.forget_published()

    decide(world, item["id"], decision="hide")

    [hidden] = world.uow.payloads_of("content_hidden")
    assert hidden["hidden_by"] == "moderator" and hidden["target_id"] == item["id"]


def test_another_departments_moderator_does_not_find_the_item(world):
    item = world.report()

    with pytest.raises(ItemNotFound):
        decide(world, item["id"], by=PIA, decision="hide")


def test_a_banned_account_may_no_longer_report_until_unbanned(world):
    moderating.ban(moderating.Ban(ADA, "anna", "Beleidigungen"), world.uow, world.clock)

    with pytest.raises(AccountBanned):
        world.report(ANNA)
    assert [b["account"] for b in moderating.bans(world.uow)] == ["anna"]

    moderating.unban(moderating.Unban("anna"), world.uow)
    world.report(ANNA)
    assert moderating.bans(world.uow) == []
