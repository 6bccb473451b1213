"""Keeping the catalogue: every change is in the audit trail with who, when, before and
after; a change is previewed as the free slots it makes, and the preview saves nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.appointments.errors import SlotLengthInUse
from services.common.errors import Forbidden, InvalidInput
from tests.support.appointments import TOWN_HALL, a_working_day, free_slots_of
from tests.support.clients import as_caller

ADMIN_ANNA = ("admin", "admin.anna", (), "Anna Admin")


@pytest.fixture
def admin(office):
    with as_caller(*ADMIN_ANNA) as client:
        yield client.appointments


def _only_mornings() -> dict:
    return {
        **TOWN_HALL,
        "opening_hours": [{"weekdays": [1, 2, 3, 4, 5, 6, 7], "start": "08:00", "end": "09:00"}],
    }


def test_a_location_saved_by_an_admin_is_in_the_trail_with_who_when_before_and_after(admin):
    admin.put_location("town-hall", _only_mornings())

    trail = admin.audit_trail({"entities": ["location"]})
    change = trail["changes"][0]
    assert change["actor"] == "admin.anna"
    assert change["actor_name"] == "Anna Admin"
    assert (change["entity"], change["key"], change["action"]) == (
        "location",
        "town-hall",
        "changed",
    )
    assert change["before"]["opening_hours"][0]["end"] == "18:00"
    assert change["after"]["opening_hours"][0]["end"] == "09:00"
    assert change["changed_fields"] == ["opening_hours"]
    assert change["at"]


def test_a_save_that_changes_nothing_leaves_no_trail(admin):
    before = admin.audit_trail()["changes"]

    admin.put_service("registration", {"name": "Anmeldung", "duration_units": 1, "documents": []})

    assert admin.audit_trail()["changes"] == before


def test_a_new_capacity_is_created_in_the_trail(admin):
    admin.put_location("branch", {**TOWN_HALL, "name": "Zweigstelle"})
    admin.put_capacity("branch", "id-card", {"desks": 2, "online_desks": 1})

    newest = admin.audit_trail({"limit": 2})["changes"]
    assert [(c["entity"], c["key"], c["action"]) for c in newest] == [
        ("capacity", "branch/id-card", "created"),
        ("location", "branch", "created"),
    ]
    assert newest[0]["before"] is None
    assert newest[0]["after"] == {"desks": 2, "online_desks": 1}


def test_the_trail_reads_in_pages(admin):
    for desks in (2, 3, 4):
        admin.put_capacity("town-hall", "registration", {"desks": desks, "online_desks": 1})

    first = admin.audit_trail({"limit": 2, "entities": ["capacity"]})
    second = admin.audit_trail(
        {"limit": 2, "entities": ["capacity"], "before": first["next_cursor"]}
    )

    desks = [c["after"]["desks"] for c in first["changes"] + second["changes"]]
    assert desks[:3] == [4, 3, 2]


def test_a_preview_shows_the_times_a_change_opens_and_saves_nothing(admin, anyone):
    day = a_working_day()
    before = free_slots_of(anyone.availability("registration", day.isoformat(), day.isoformat()))
    trail = admin.audit_trail()

    preview = admin.preview_availability(
        {"kind": "location", "key": "town-hall", "value": _only_mornings()},
        day.isoformat(),
        day.isoformat(),
    )

    places = {(p["location"], p["service"]): p["days"] for p in preview["places"]}
    assert set(places) == {("town-hall", "id-card"), ("town-hall", "registration")}
    (registration_day,) = places[("town-hall", "registration")]
    assert registration_day["places_before"] == len(before)
    assert registration_day["places_after"] == 4  # 08:00 to 09:00 in quarters, one desk
    assert "17:45" in registration_day["times_closed"]
    assert registration_day["times_opened"] == []
    after = free_slots_of(anyone.availability("registration", day.isoformat(), day.isoformat()))
    assert after == before
    assert admin.audit_trail() == trail


def test_a_preview_of_more_desks_shows_more_places_at_the_same_times(admin):
    day = a_working_day()

    preview = admin.preview_availability(
        {
            "kind": "capacity",
            "location": "town-hall",
            "service": "registration",
            "value": {"desks": 3, "online_desks": 3},
        },
        day.isoformat(),
        day.isoformat(),
    )

    (place,) = preview["places"]
    (changed,) = place["days"]
    assert changed["places_after"] == 3 * changed["places_before"]
    assert changed["times_opened"] == changed["times_closed"] == []


def test_a_closed_day_that_has_passed_is_refused_and_one_kept_from_before_is_not(admin):
    yesterday = date.today() - timedelta(days=1)

    with pytest.raises(InvalidInput) as refused:
        admin.put_location("town-hall", {**TOWN_HALL, "closed_dates": [yesterday.isoformat()]})
    assert "closed_dates" in refused.value.details

    ahead = a_working_day(10)
    admin.put_location("town-hall", {**TOWN_HALL, "closed_dates": [ahead.isoformat()]})
    assert (
        admin.preview_availability(
            {"kind": "location", "key": "town-hall", "value": TOWN_HALL},
            ahead.isoformat(),
            ahead.isoformat(),
        )["places"][0]["days"][0]["places_before"]
        == 0
    )


def test_a_preview_with_bad_times_or_unknown_fields_names_them(admin):
    day = a_working_day().isoformat()
    bad_times = {
        **TOWN_HALL,
        "opening_hours": [{"weekdays": [1], "start": "09:00", "end": "08:00"}],
    }

    with pytest.raises(InvalidInput) as refused:
        admin.preview_availability(
            {"kind": "location", "key": "town-hall", "value": bad_times}, day, day
        )
    assert "opening_hours" in refused.value.details

    with pytest.raises(InvalidInput) as refused:
        admin.preview_availability(
            {"kind": "location", "key": "town-hall", "value": {**TOWN_HALL, "colour": "red"}},
            day,
            day,
        )
    assert "colour" in refused.value.details


def test_a_preview_refuses_what_saving_would_refuse(admin, anyone):
    day = a_working_day()
    start = free_slots_of(anyone.availability("id-card", day.isoformat(), day.isoformat()))[0]
    anyone.hold(
        {
            "service": "id-card",
            "location": "town-hall",
            "start": start["start"],
            "email": "erika@example.org",
            "name": "Erika Mustermann",
        }
    )

    with pytest.raises(SlotLengthInUse):
        admin.preview_availability(
            {"kind": "location", "key": "town-hall", "value": {**TOWN_HALL, "slot_minutes": 30}},
            day.isoformat(),
            day.isoformat(),
        )


def test_a_clerk_reads_no_trail(office, clerk):
    with pytest.raises(Forbidden):
        clerk.audit_trail()
