"""A report's place in the portal, without a browser: the numbers or the address the form
needs, the box a list takes, and the address search asked inside the town's box."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.feedback import geo
from services.portal import geocoding
from services.portal.feedback import _box, _submission
from services.portal.settings import PortalSettings
from tests.support.geocoder import NominatimDouble
from tests.support.loopback_http import Answer, LoopbackServer

MARKET = (51.5711, 8.1092)
SOEST = {"name": "Soest", "south": 51.51, "west": 7.98, "north": 51.64, "east": 8.25}
PARK = {"key": "green_space", "questions": []}


def entered(**typed: str) -> dict:
    blank = {"title": "Bank kaputt", "description": "Lehne ab.", "place": ""}
    return {**blank, "latitude": "", "longitude": "", "show_name": False, **typed}


@pytest.fixture
def search() -> Iterator[NominatimDouble]:
    server = NominatimDouble({"Markt 1": MARKET, "Pariser Platz 1": (52.5163, 13.3777)}).start()
    yield server
    server.stop()


def settings_for(url: str, timeout: float = 1.0) -> PortalSettings:
    return PortalSettings(geocoder_url=url, geocoder_timeout=timeout)


def test_the_town_opens_on_the_box_around_its_boundary():
    box = geo.bounds([(51.6, 8.0), (51.5, 8.2), (51.55, 7.9)])
    assert (box.south, box.west, box.north, box.east) == (51.5, 7.9, 51.6, 8.2)


def test_without_an_address_search_a_report_needs_both_numbers():
    _, errors = _submission(entered(place="Markt 1"), "report", PARK, None)
    assert errors == {"latitude": ["form.required"], "longitude": ["form.required"]}


def test_with_an_address_search_an_address_stands_in_for_the_numbers():
    submission, errors = _submission(entered(place="Markt 1"), "report", PARK, None, True)
    assert errors == {}
    assert submission["latitude"] is None and submission["longitude"] is None


def test_with_an_address_search_a_report_without_any_place_asks_for_one():
    _, errors = _submission(entered(), "report", PARK, None, True)
    assert errors == {"place": ["feedback.place.missing"]}


def test_one_number_typed_asks_for_the_other_even_with_an_address():
    _, errors = _submission(entered(place="Markt 1", latitude="51,57"), "report", PARK, None, True)
    assert errors == {"longitude": ["form.required"]}


@pytest.mark.parametrize(
    ("text", "is_box"),
    [
        ("51.5,8.0,51.6,8.2", True),
        ("51.6,8.0,51.5,8.2", False),
        ("51.5,8.0,51.6", False),
        ("south,west,north,east", False),
        ("", False),
    ],
)
def test_a_list_box_is_south_west_north_east(text, is_box):
    assert _box(text) is is_box


def test_an_address_in_town_is_found_and_the_search_is_asked_as_nominatim_asks(search):
    assert geocoding.locate(settings_for(search.url), "Markt 1", SOEST) == MARKET
    asked = search.searches()[-1]
    assert asked.query == {
        "q": "Markt 1",
        "format": "jsonv2",
        "limit": "1",
        "countrycodes": "de",
        "viewbox": "7.98,51.51,8.25,51.64",
        "bounded": "1",
    }
    assert asked.headers["User-Agent"] == "Rathaus-Online-Portal (+http://127.0.0.1:8000)"


@pytest.mark.parametrize("address", ["Pariser Platz 1", "Nirgendwo 99"])
def test_an_address_outside_the_town_or_unknown_is_not_found(search, address):
    with pytest.raises(geocoding.AddressNotFound):
        geocoding.locate(settings_for(search.url), address, SOEST)


def test_a_search_slower_than_its_timeout_is_unavailable(search):
    search.delay = 1.0
    with pytest.raises(geocoding.GeocoderUnavailable):
        geocoding.locate(settings_for(search.url, timeout=0.2), "Markt 1", SOEST)


@pytest.mark.parametrize(
    "answer",
    [
        Answer(503, "text/plain", b"overloaded"),
        Answer(200, "text/html", b"<html>"),
        Answer(200, "application/json", b'[{"lat": "north"}]'),
    ],
)
def test_a_search_answering_nonsense_is_unavailable(answer):
    server = LoopbackServer(lambda request: answer).start()
    try:
        with pytest.raises(geocoding.GeocoderUnavailable):
            geocoding.locate(settings_for(server.url), "Markt 1", SOEST)
    finally:
        server.stop()
