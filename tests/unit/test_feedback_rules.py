"""The feedback service's rules without I/O: places in town, blurring, the town's
configuration, answers to category questions, figures, Open311's search rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from nameko.exceptions import ConfigurationError

from services.common.errors import InvalidInput
from services.feedback import catalogue, figures, geo, open311
from services.feedback.errors import InvalidAnswers, InvalidBox, UnknownJurisdiction
from services.feedback.public_map import parse_box

TOWN = catalogue.load()
MARKET = (51.5711, 8.1060)


@pytest.mark.parametrize(
    ("place", "inside"),
    [
        (MARKET, True),
        ((51.5800, 8.2000), True),  # Ampen, in the east
        ((51.5136, 7.4653), False),  # Dortmund
        ((51.6700, 8.1000), False),  # north of the boundary
        ((48.1372, 11.5756), False),  # Munich
    ],
)
def test_the_boundary_tells_what_is_in_town(place, inside):
    assert geo.inside(TOWN.boundary, *place) is inside


def test_distances_are_in_metres():
    # 0.001 degrees of latitude are 111 m everywhere
    assert geo.distance_m(51.0, 8.0, 51.001, 8.0) == pytest.approx(111.2, abs=0.2)
    box = geo.around(*MARKET, 100)
    assert geo.distance_m(*MARKET, box.north, MARKET[1]) == pytest.approx(100, abs=0.5)
    assert geo.distance_m(*MARKET, MARKET[0], box.east) == pytest.approx(100, abs=0.5)


def test_blurring_puts_everyone_in_a_cell_at_its_centre():
    cell = geo.blurred(*MARKET, 50)
    # 13 m from the cell's centre: the same cell
    neighbour = geo.blurred(cell[0] + 0.0001, cell[1] + 0.0001, 50)

    assert cell == neighbour
    assert 0 < geo.distance_m(*MARKET, *cell) <= 50 * 0.71  # at most half a diagonal
    assert geo.blurred(*MARKET, 0) == MARKET
    assert geo.blurred(*MARKET, 500) != cell


def test_a_bounding_box_is_south_west_north_east():
    assert parse_box("51.5,8.0,51.6,8.2") == geo.Box(51.5, 8.0, 51.6, 8.2)
    for wrong in (
        "51.6,8.0,51.5,8.2",
        "51.5,8.2,51.6,8.0",
        "a,b,c,d",
        "51.5,8.0,51.6",
        "91,0,92,1",
    ):
        with pytest.raises(InvalidBox):
            parse_box(wrong)


def test_answers_are_checked_against_the_category_questions():
    streetlight = TOWN.categories["streetlight"]

    assert streetlight.checked_answers({"fault": "dark", "pole_number": "A17"}) == {
        "fault": "dark",
        "pole_number": "A17",
    }
    with pytest.raises(InvalidAnswers) as refused:
        streetlight.checked_answers({"fault": "broken", "colour": "red"})
    assert set(refused.value.details) == {"fault", "colour"}
    with pytest.raises(InvalidAnswers) as missing:
        streetlight.checked_answers({})
    assert list(missing.value.details) == ["fault"]
    with pytest.raises(InvalidAnswers):
        TOWN.categories["litter"].checked_answers({"hazardous": "yes"})


@pytest.mark.parametrize(
    ("mistake", "message"),
    [
        ("department: roads\n", "department: nowhere\n"),
        ("kind: report\n", "kind: complaint\n"),
        ("type: choice\n", "type: colour\n"),
        ("en: Pothole}", "fr: Nid-de-poule}"),
        # a choice without its names would show its key to citizens
        ("dark: {de: Leuchtet nicht, en: Not lit}\n", "dark: Leuchtet nicht\n"),
        ("dark: {de: Leuchtet nicht, en: Not lit}\n", "dark: {de: Leuchtet nicht}\n"),
        ("  jurisdiction_id: soest.de\n", ""),
        ('changeset: "2026-12-01T00:00:00+01:00"', 'changeset: "2026-12-01T00:00:00"'),
    ],
)
def test_a_mistake_in_the_town_stops_the_start(tmp_path, mistake, message):
    text = (catalogue.HERE / "town.yaml").read_text(encoding="utf-8")
    assert mistake in text
    broken = tmp_path / "town.yaml"
    broken.write_text(text.replace(mistake, message, 1), encoding="utf-8")

    with pytest.raises(ConfigurationError):
        catalogue.load(str(broken))


def test_every_status_has_names_and_every_move_ends_in_a_status():
    for kind in catalogue.KINDS:
        for status in catalogue.STATUSES:
            assert set(catalogue.status_names(kind, status)) == {"de", "en"}
    for targets in catalogue.TRANSITIONS.values():
        assert set(targets) <= set(catalogue.STATUSES)
    assert catalogue.status_names("report", "accepted")["en"] == "In progress"
    assert catalogue.status_names("idea", "accepted")["en"] == "Accepted"


def test_periods_are_local_months_and_iso_weeks():
    new_years_eve = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Soest
    assert figures.period_of(new_years_eve, "month") == "2027-01"
    assert figures.period_of(new_years_eve, "week") == "2026-W53"


def test_the_window_runs_from_local_midnight_to_the_end_of_the_last_day():
    start, end = figures.window(date(2026, 11, 1), date(2026, 11, 30), date(2026, 11, 25))
    assert start == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
    assert end - start == timedelta(days=30)


NOW = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)
DAYS_90 = timedelta(days=90)


def test_an_open311_search_spans_the_last_90_days_unless_told_and_never_more():
    start = datetime(2026, 5, 1, tzinfo=UTC)
    end = datetime(2026, 6, 1, tzinfo=UTC)

    assert open311.window(None, None, NOW) == (NOW - DAYS_90, NOW)
    assert open311.window(start, None, NOW) == (start, start + DAYS_90)
    assert open311.window(None, end, NOW) == (end - DAYS_90, end)
    assert open311.window(start, end, NOW) == (start, end)
    assert open311.window(start, start + DAYS_90, NOW) == (start, start + DAYS_90)
    for refused in (start + DAYS_90 + timedelta(seconds=1), start - timedelta(seconds=1)):
        with pytest.raises(InvalidInput) as wrong:
            open311.window(start, refused, NOW)
        assert list(wrong.value.details) == ["end_date"]


def test_an_open311_search_takes_lists_of_statuses_and_known_services_only():
    query = {
        "service_code": ["pothole", "streetlight", "pothole"],
        "status": ["closed"],
        "start_date": None,
        "end_date": None,
        "bbox": None,
        "limit": 5000,
    }

    search = open311.search(TOWN, query, NOW)

    assert search.categories == ("pothole", "streetlight")
    assert search.statuses == catalogue.CLOSED
    assert search.limit == open311.MAX_REQUESTS
    both = open311.search(TOWN, {**query, "status": ["open", "closed"]}, NOW)
    assert set(both.statuses) == set(catalogue.STATUSES)
    with pytest.raises(InvalidInput) as unknown:
        open311.search(TOWN, {**query, "service_code": ["pothole", "mobility", "unicorns"]}, NOW)
    assert unknown.value.details == {
        "service_code": ["No service 'mobility'.", "No service 'unicorns'."]
    }


def test_open311_serves_the_towns_jurisdiction_only_and_names_in_german_unless_we_speak_another():
    for ours in (None, "soest.de", "www.soest.de", "Soest.de"):
        open311.check_jurisdiction(TOWN, ours)
    with pytest.raises(UnknownJurisdiction):
        open311.check_jurisdiction(TOWN, "dortmund.de")
    assert [open311.language(asked) for asked in ("en", "en-GB", "EN", "fr", "", None)] == [
        "en",
        "en",
        "en",
        "de",
        "de",
        "de",
    ]
    streetlight = open311.definition(TOWN.categories["streetlight"], "en")
    assert [value["name"] for value in streetlight["attributes"][0]["values"]] == [
        "Not lit",
        "Flickering",
        "Lit by day",
    ]
