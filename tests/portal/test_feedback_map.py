"""The feedback map and the place typed as an address: with map tiles and an address search
configured (test doubles on loopback), the list shows its reports on a map of those tiles,
a report's place is clicked on the map or typed as an address, and an address the search
does not know, or a search that does not answer, is a message at the field."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.support.geocoder import NominatimDouble
from tests.support.portal import Platform, api_token, assert_accessible, sign_in
from tests.support.tiles import TileServer
from tests.support.waiting import wait_for

# Soest's market square, and an address the search knows there
MARKET = (51.5711, 8.1092)
MARKET_ADDRESS = "Markt 1, Soest"
# an address the search knows, but in Berlin: outside the town's box, so never found
BERLIN_ADDRESS = "Pariser Platz 1, Berlin"
ATTRIBUTION = "Kacheln: Testkarten der Stadt"


@pytest.fixture(scope="module")
def geocoder() -> Iterator[NominatimDouble]:
    server = NominatimDouble({MARKET_ADDRESS: MARKET, BERLIN_ADDRESS: (52.5163, 13.3777)})
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def platform_env(tile_server: TileServer, geocoder: NominatimDouble) -> dict[str, str]:
    return {
        "PORTAL_TILE_URL": tile_server.tile_url,
        "PORTAL_TILE_ATTRIBUTION": ATTRIBUTION,
        "PORTAL_GEOCODER_URL": geocoder.url,
        "PORTAL_GEOCODER_TIMEOUT": "1",
    }


@pytest.fixture(autouse=True)
def geocoder_answers_at_once(geocoder: NominatimDouble) -> Iterator[None]:
    geocoder.delay = 0.0
    yield
    geocoder.delay = 0.0


def report_form(page: Page, category: str, language: str = "de") -> None:
    page.goto(f"/feedback/report?category={category}&lang={language}")


def describe(page: Page, title: str, description: str) -> None:
    page.get_by_label("Titel", exact=True).fill(title)
    page.get_by_label("Beschreibung", exact=True).fill(description)


def submit_when_checked(page: Page, button: str = "Meldung absenden") -> None:
    expect(page.get_by_text("Geprüft")).to_be_visible()
    page.get_by_role("button", name=button).click()


def filed_item(page: Page, platform: Platform, subject: str) -> dict:
    """The report just filed, as its author reads it from the JSON API (exact place too)."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Meldung ist eingegangen")
    item_id = page.url.rstrip("/").split("/")[-2]
    answer = requests.get(
        f"{platform.url}/api/v1/feedback/items/{item_id}",
        headers=api_token(platform, subject, "citizen"),
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()


def test_a_report_is_filed_by_clicking_its_place_on_the_map(page: Page, platform: Platform):
    sign_in(page, "clara", "citizen", "Clara Vogt")
    report_form(page, "green_space")
    map_region = page.get_by_role("region", name="Karte: Ort wählen")
    expect(map_region).to_be_visible()
    expect(map_region).to_contain_text(ATTRIBUTION)
    assert_accessible(page)

    describe(page, "Bank im Park kaputt", "Die Lehne der Bank ist abgebrochen.")
    # the map opens on the town: its middle is in Soest
    box = map_region.bounding_box()
    assert box is not None
    map_region.click(position={"x": box["width"] / 2, "y": 150})
    latitude, longitude = page.get_by_label("Breitengrad"), page.get_by_label("Längengrad")
    expect(latitude).not_to_have_value("")
    expect(longitude).not_to_have_value("")
    picked = (
        float(latitude.input_value().replace(",", ".")),
        float(longitude.input_value().replace(",", ".")),
    )
    assert 51.5 < picked[0] < 51.65 and 7.98 < picked[1] < 8.25
    submit_when_checked(page)

    filed = filed_item(page, platform, "clara")
    assert filed["exact_latitude"] == pytest.approx(picked[0], abs=1e-6)
    assert filed["exact_longitude"] == pytest.approx(picked[1], abs=1e-6)


def test_the_list_shows_its_reports_on_a_map_each_leading_to_its_report(
    page: Page, platform: Platform, tile_server: TileServer
):
    sign_in(page, "dora", "citizen", "Dora Jansen")
    report_form(page, "graffiti")
    describe(page, "Graffiti am Markt", "Die Wand am Rathaus ist besprüht.")
    page.get_by_label("Breitengrad").fill("51,5711")
    page.get_by_label("Längengrad").fill("8,1092")
    submit_when_checked(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Meldung ist eingegangen")

    page.goto("/feedback")
    map_region = page.get_by_role("region", name="Karte der Meldungen")
    expect(map_region).to_be_visible()
    # the tiles came from the configured tile server, around the town
    wait_for(lambda: len(tile_server.tiles()) > 0, timeout=15)
    assert all(int(tile.split("/")[0]) >= 10 for tile in tile_server.tiles())
    # one marker per report of the list, each a link named by its title
    titles = [
        row.get_by_role("link").inner_text()
        for row in page.get_by_role("table").get_by_role("row").all()[1:]
    ]
    assert "Graffiti am Markt" in titles
    expect(map_region.get_by_role("link", name=re.compile(r"\S"))).to_have_count(
        len(titles) + 2  # the markers, the "Leaflet" credit and the area's list
    )
    assert_accessible(page)

    map_region.get_by_role("link", name="Graffiti am Markt", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Graffiti am Markt")

    page.go_back()
    page.get_by_role("link", name="Meldungen in diesem Kartenausschnitt zeigen").click()
    expect(page).to_have_url(re.compile(r"bbox=5\d\.\d+%2C[78]\.\d+"))
    expect(page.get_by_role("table")).to_contain_text("Graffiti am Markt")


def test_a_report_with_a_typed_address_and_no_numbers_is_filed_where_the_address_is(
    page: Page, platform: Platform, geocoder: NominatimDouble
):
    sign_in(page, "emil", "citizen", "Emil Brandt")
    report_form(page, "litter")
    expect(page.get_by_text("Daraus finden wir den Ort in Soest")).to_be_visible()
    describe(page, "Sperrmüll am Markt", "Ein Sofa steht seit einer Woche dort.")
    page.get_by_label("Wo ist es?").fill(MARKET_ADDRESS)
    page.get_by_label("Nein").check()
    submit_when_checked(page)

    filed = filed_item(page, platform, "emil")
    assert (filed["exact_latitude"], filed["exact_longitude"]) == MARKET
    assert filed["description"].startswith(MARKET_ADDRESS)
    search = geocoder.searches()[-1]
    assert search.query["q"] == MARKET_ADDRESS
    assert search.query["bounded"] == "1" and search.query["countrycodes"] == "de"
    west, south, east, north = (float(edge) for edge in search.query["viewbox"].split(","))
    assert south < MARKET[0] < north and west < MARKET[1] < east
    assert search.headers["User-Agent"].startswith("Rathaus-Online-Portal (+http")


@pytest.mark.parametrize(
    ("language", "place_label", "message", "summary_title"),
    [
        (
            "de",
            "Wo ist es?",
            "Diese Adresse finden wir in Soest nicht.",
            "Bitte prüfen Sie Ihre Angaben",
        ),
        (
            "en",
            "Where is it?",
            "We cannot find this address in Soest.",
            "Please check what you entered",
        ),
    ],
)
def test_an_address_the_search_does_not_know_is_named_at_the_place_field(
    page: Page, platform: Platform, language, place_label, message, summary_title
):
    sign_in(page, f"finn-{language}", "citizen", "Finn Ott")
    report_form(page, "green_space", language)
    page.get_by_label(place_label).fill(BERLIN_ADDRESS)
    button = "Meldung absenden" if language == "de" else "Send the report"
    expect(page.get_by_text("Geprüft" if language == "de" else "Verified")).to_be_visible()
    page.get_by_role("button", name=button).click()

    summary = page.get_by_role("alert").filter(has_text=summary_title)
    expect(
        summary.get_by_role("link", name=re.compile(f"^{re.escape(place_label)}.*: {message}"))
    ).to_be_visible()
    place = page.get_by_label(place_label)
    expect(place).to_have_attribute("aria-invalid", "true")
    expect(place).to_have_accessible_description(re.compile(re.escape(message)))
    assert_accessible(page)


def test_an_address_search_that_does_not_answer_in_time_is_a_message(
    page: Page, platform: Platform, geocoder: NominatimDouble
):
    geocoder.delay = 3.0
    sign_in(page, "greta", "citizen", "Greta Lenz")
    report_form(page, "green_space")
    describe(page, "Schaukel kaputt", "Die Kette ist gerissen.")
    page.get_by_label("Wo ist es?").fill(MARKET_ADDRESS)
    submit_when_checked(page)
    expect(
        page.get_by_role("link", name=re.compile(r"^Wo ist es\?.*: Die Adresssuche antwortet"))
    ).to_be_visible()
    expect(page.get_by_label("Wo ist es?")).to_have_value(MARKET_ADDRESS)
    assert_accessible(page)
