"""The public reads the map, reports near a place and Open311; an author reads their own
items. Use cases on a fake unit of work: no broker, no database server."""

from __future__ import annotations

import pytest

from services.common.keyset import InvalidCursor
from services.common.loading import load
from services.feedback.errors import InvalidBox, ItemNotFound, UnknownCategory
from services.feedback.models import ItemRow
from services.feedback.public_map import parse_box
from services.feedback.schemas import MapQuery, NearbyQuery, Open311Query
from services.feedback.use_cases import open311 as georeport
from services.feedback.use_cases import reading
from tests.unit.feedback.world import ANNA, BEN, MARKET, World

OLD_TOWN = "51.56,8.09,51.58,8.12"


@pytest.fixture
def world(fake_uow) -> World:
    return World(fake_uow)


def show_map(world: World, **query) -> dict:
    command = reading.PublicMap(load(MapQuery, {"bbox": OLD_TOWN, **query}), "en")
    return reading.show_map(command, world.uow, world.setting)


def nearby(world: World, category: str = "streetlight") -> list[dict]:
    asked = {"category": category, "latitude": MARKET[0], "longitude": MARKET[1]}
    command = reading.Nearby(load(NearbyQuery, asked), "en")
    return reading.nearby_reports(command, world.uow, world.setting)


def test_the_map_shows_reports_blurred_without_names(world):
    world.report()

    [marker] = show_map(world)["items"]

    assert marker["status_name"] == "Submitted" and marker["latitude"] != MARKET[0]
    assert "author_name" not in marker and "author" not in marker


def test_the_map_pages_the_newest_first_with_the_common_cursor(world):
    first = world.report()
    world.clock.advance(minutes=1)
    second = world.report(BEN)

    page = show_map(world, limit=1)
    rest = show_map(world, limit=1, cursor=page["next_cursor"])

    assert [m["id"] for m in page["items"]] == [second["id"]]
    assert [m["id"] for m in rest["items"]] == [first["id"]] and rest["next_cursor"] is None


def test_a_map_cursor_of_an_item_id_is_no_longer_a_cursor(world):
    item = world.report()

    with pytest.raises(InvalidCursor):
        show_map(world, cursor=item["id"])


def test_the_map_leaves_out_hidden_reports(world):
    item = world.report()
    with world.uow.transaction() as tx:
        tx.session.get(ItemRow, item["id"]).hidden = True

    assert show_map(world)["items"] == []


def test_a_box_upside_down_is_refused():
    with pytest.raises(InvalidBox):
        parse_box("51.58,8.09,51.56,8.12")


def test_open_reports_nearby_are_offered_but_closed_ones_not(world):
    open_one = world.report()
    closed = world.report(BEN)
    world.move(closed["id"], "done")

    assert [m["id"] for m in nearby(world)] == [open_one["id"]]


def test_nearby_asks_a_report_category(world):
    with pytest.raises(UnknownCategory):
        nearby(world, "mobility")


def test_an_author_lists_their_own_items_hidden_ones_marked(world):
    item = world.report()
    world.report(BEN)
    with world.uow.transaction() as tx:
        tx.session.get(ItemRow, item["id"]).hidden = True

    mine = reading.my_items(reading.MyItems(ANNA, "en"), world.uow)

    assert [(m["id"], m["hidden"]) for m in mine] == [(item["id"], True)]


def test_the_categories_name_their_departments(world):
    shown = {c["key"]: c for c in reading.categories("en", world.setting)}

    assert shown["streetlight"]["kind"] == "report" and shown["mobility"]["kind"] == "idea"


def test_the_town_area_is_a_box_around_the_market(world):
    area = reading.town_area(world.setting)

    assert area["south"] < MARKET[0] < area["north"] and area["west"] < MARKET[1] < area["east"]


def test_open311_names_a_report_by_its_id(world):
    item = world.report()

    [request] = georeport.request(georeport.Request(item["id"], "en"), world.uow, world.setting)

    assert request["service_request_id"] == item["id"] and request["status"] == "open"


def test_open311_finds_no_request_for_an_unknown_id(world):
    with pytest.raises(ItemNotFound):
        georeport.request(georeport.Request("nothing", "en"), world.uow, world.setting)


def test_open311_lists_the_public_reports_by_id(world):
    item = world.report()
    query = load(Open311Query, {"service_request_id": item["id"]})

    found = georeport.requests(
        georeport.Requests(query, "en"), world.uow, world.clock, world.setting
    )

    assert [r["service_request_id"] for r in found] == [item["id"]]
