"""Every feedback answer has the shape its RPC declares (`@rpc(answers=...)`): no key the
schema does not name, none it requires missing, so a field added on one side and not the
other fails here, before a caller loses it. Each view is asked for as the public, its
author and the office see it: they differ in what they show."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from services.common.answers import mismatches
from services.common.events import Event
from services.common.loading import load
from services.common.rpc_entrypoint import Rpc
from services.feedback.schemas import (
    FiguresQuery,
    MapQuery,
    MergeInput,
    Moderation,
    NearbyQuery,
    Open311Query,
    WorklistQuery,
)
from services.feedback.service import FeedbackService
from services.feedback.use_cases import moderation as moderating
from services.feedback.use_cases import office, reading, submissions
from services.feedback.use_cases import open311 as georeport
from services.feedback.use_cases import participation as taking_part
from services.feedback.use_cases import ratings as rating_cases
from tests.unit.feedback.world import ADA, ANNA, BEN, MARKET, NOBODY, ROLF, World

# the RPCs that answer nothing
SILENT = {"unban"}


@pytest.fixture
def world(fake_uow) -> World:
    return World(fake_uow, flags_to_hide=2)


def declared(method: str) -> Rpc:
    [entrypoint] = [
        found
        for found in getattr(FeedbackService, method).nameko_entrypoints
        if isinstance(found, Rpc)
    ]
    return entrypoint


def conforms(method: str, answer: Any) -> None:
    rpc = declared(method)
    assert rpc.answers is not None, f"{method} declares no answer"
    assert mismatches(rpc.answers(), answer, many=rpc.many) == []


def rpc_names() -> list[str]:
    """The feedback service's own RPCs (those of services.common's mixins answer elsewhere)."""
    return sorted(
        name
        for name, method in vars(FeedbackService).items()
        if any(isinstance(found, Rpc) for found in getattr(method, "nameko_entrypoints", ()))
    )


def test_every_rpc_that_answers_declares_the_schema_of_its_answer():
    undeclared = [name for name in rpc_names() if declared(name).answers is None]

    assert undeclared == sorted(SILENT)


def test_a_list_is_declared_as_many_and_a_single_answer_is_not():
    lists = {name for name in rpc_names() if declared(name).many}

    assert lists == {
        "bans",
        "categories",
        "my_items",
        "nearby_reports",
        "open311_request",
        "open311_requests",
        "open311_services",
    }


def test_a_report_answers_as_declared_to_the_public_its_author_and_the_office(world):
    report = world.report(photos=[world.documents.add()])

    conforms("submit_report", report)
    for caller in (NOBODY, BEN, ANNA, ROLF):
        command = submissions.GetItem(caller, report["id"], "en")
        conforms("get_item", submissions.get_item(command, world.uow, world.setting))


def test_an_idea_answers_as_declared(world):
    conforms("submit_idea", world.idea(anonymous=True))


def test_the_town_its_categories_and_the_map_answer_as_declared(world):
    world.report()
    world.idea()

    conforms("categories", reading.categories("en", world.setting))
    conforms("town_area", reading.town_area(world.setting))
    for kind in ("report", "idea"):
        query = load(MapQuery, {"kind": kind, "limit": 1})
        page = reading.show_map(reading.PublicMap(query, "en"), world.uow, world.setting)
        assert page["items"]
        conforms("public_map", page)
    asked = {"category": "streetlight", "latitude": MARKET[0], "longitude": MARKET[1]}
    nearby = reading.nearby_reports(
        reading.Nearby(load(NearbyQuery, asked), "en"), world.uow, world.setting
    )
    assert nearby
    conforms("nearby_reports", nearby)
    mine = reading.my_items(reading.MyItems(ANNA, "en"), world.uow)
    assert len(mine) == 2
    conforms("my_items", mine)


def test_taking_part_answers_as_declared(world):
    report = world.report()
    idea = world.idea()

    uow, clock, setting = world.uow, world.clock, world.setting
    conforms(
        "me_too",
        taking_part.me_too(taking_part.MeToo(BEN, report["id"], None, "en"), uow, clock, setting),
    )
    conforms(
        "support",
        taking_part.support(taking_part.Support(BEN, idea["id"], "en"), uow, clock, setting),
    )
    conforms(
        "follow",
        taking_part.follow(taking_part.Follow(BEN, idea["id"], None, "en"), uow, clock, setting),
    )
    conforms(
        "unfollow", taking_part.unfollow(taking_part.Unfollow(BEN, idea["id"], "en"), uow, setting)
    )
    comment = taking_part.add_comment(
        taking_part.AddComment(BEN, idea["id"], {"body": "Gern!"}, None), uow, clock, setting
    )
    conforms("comment", comment)
    conforms(
        "flag",
        taking_part.flag(
            taking_part.Flag(ANNA, "comment", comment["id"], "spam"), uow, clock, setting
        ),
    )
    for caller in (NOBODY, BEN, ADA):
        page = taking_part.comments(taking_part.Comments(caller, idea["id"], None, 50), uow)
        assert page["comments"]
        conforms("comments", page)


def test_a_reopened_report_answers_as_declared(world):
    report = world.report()
    world.move(report["id"], "done", by=ROLF, answer="Repariert.")

    command = taking_part.Reopen(ANNA, report["id"], "Sie ist wieder aus.", "en")

    conforms("reopen", taking_part.reopen(command, world.uow, world.clock, world.setting))


def test_the_offices_work_answers_as_declared(world):
    kept = world.report()
    duplicate = world.report(caller=BEN)
    uow, clock, setting = world.uow, world.clock, world.setting

    worklist = office.worklist(office.Worklist(ROLF, load(WorklistQuery, {}), "en"), uow)
    assert worklist["items"]
    conforms("worklist", worklist)
    conforms("change_status", world.move(kept["id"], "in_review", by=ROLF))
    answered = office.publish_answer(
        office.PublishAnswer(ROLF, kept["id"], "Wir sehen nach.", "en"), uow, clock, setting
    )
    conforms("publish_answer", answered)
    merged = office.merge(
        office.Merge(ROLF, duplicate["id"], load(MergeInput, {"into": kept["id"]}), "en"),
        uow,
        clock,
        setting,
    )
    conforms("merge", merged)
    shown = office.office_item(office.OfficeItem(ROLF, kept["id"], "en"), uow, setting)
    assert shown["duplicates"] and shown["history"]
    conforms("office_item", shown)


def test_the_figures_answer_as_declared(world):
    report = world.report()
    world.move(report["id"], "done", by=ROLF, answer="Repariert.")
    world.idea()

    figures = office.figures(office.Figures(ADA, load(FiguresQuery, {})), world.uow, world.clock)

    assert figures["items"] and figures["time_to_answer"]["per_category"]
    conforms("figures", figures)


def test_moderation_answers_as_declared(world):
    report = world.report()
    comment = taking_part.add_comment(
        taking_part.AddComment(BEN, report["id"], {"body": "Unsinn"}, None),
        world.uow,
        world.clock,
        world.setting,
    )
    for flagger in (BEN, ANNA):
        command = taking_part.Flag(flagger, "comment", comment["id"], "abusive")
        taking_part.flag(command, world.uow, world.clock, world.setting)
    command = taking_part.Flag(BEN, "item", report["id"], "spam")
    taking_part.flag(command, world.uow, world.clock, world.setting)

    queue = moderating.queue(moderating.Queue(ROLF), world.uow)
    assert {entry["target_kind"] for entry in queue["entries"]} == {"item", "comment"}
    conforms("moderation_queue", queue)
    decisions = [
        ("item", report["id"], {"decision": "edit", "title": "Laterne dunkel"}),
        ("comment", comment["id"], {"decision": "restore"}),
    ]
    for kind, target_id, decision in decisions:
        loaded = load(Moderation, {"reason": "geprüft", **decision})
        command = moderating.Moderate(ROLF, kind, target_id, loaded, "en")
        decided = moderating.moderate(command, world.uow, world.clock, world.setting)
        assert decided["moderation"]
        conforms("moderate", decided)


def test_bans_answer_as_declared(world):
    banned = moderating.ban(moderating.Ban(ADA, "anna", "Beleidigungen"), world.uow, world.clock)

    conforms("ban", banned)
    conforms("bans", moderating.bans(world.uow))


def test_an_invitation_and_its_rating_answer_as_declared(world):
    visit = Event(
        type="appointment_completed",
        payload={
            "appointment_id": "6f1c0d7e-8a34-4c55-9a57-4a0bb1a1d101",
            "service": "passport",
            "service_name": "Reisepass",
            "location": "rathaus",
            "citizen": "anna",
            "email": "anna@example.org",
            "language": "de",
        },
    )
    rating_cases.invite(rating_cases.visit_completed(visit), world.uow, world.clock, world.setting)
    [invited] = world.uow.payloads_of("rating_invited")
    token = parse_qs(urlparse(invited["rate_url"]).query)["token"][0]

    shown = rating_cases.rating_invitation(
        rating_cases.ShowInvitation(NOBODY, token), world.uow, world.clock
    )
    asked = {"token": token, "subject_kind": None, "subject_id": None, "comment": "Schnell."}
    rated = rating_cases.rate(
        rating_cases.Rate(NOBODY, {**asked, "score": 5}), world.uow, world.clock
    )

    conforms("rating_invitation", shown)
    conforms("rate", rated)


def test_open311_answers_as_declared(world):
    report = world.report()
    world.move(report["id"], "done", by=ROLF, answer="Repariert.")
    world.report(caller=BEN)

    services = georeport.services(georeport.Services("en"), world.setting)
    definition = georeport.service(georeport.Service("streetlight", "en"), world.setting)
    requests = georeport.requests(
        georeport.Requests(load(Open311Query, {}), "en"), world.uow, world.clock, world.setting
    )
    one = georeport.request(georeport.Request(report["id"], "en"), world.uow, world.setting)
    found = georeport.discovery("https://example.org/api/v1/feedback/open311/v2", world.setting)

    assert services and definition["attributes"] and len(requests) == 2
    conforms("open311_services", services)
    conforms("open311_service", definition)
    conforms("open311_requests", requests)
    conforms("open311_request", one)
    conforms("open311_discovery", found)
