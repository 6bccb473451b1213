"""Whose desks a clerk works: a location filed under a department is worked by its clerks
(and the administrators) alone; to anyone else it and its visits are not there at all."""

from __future__ import annotations

import pytest

from services.appointments.catalogue_changes import LOCATION, CatalogueChange
from services.appointments.errors import UnknownLocation
from services.appointments.schemas import LocationInput
from services.appointments.use_cases import catalogue, desk
from services.common.errors import InvalidInput, NotFound
from services.common.identity import Caller
from services.common.loading import load
from tests.unit.appointments.office import CLERK, DAY, TOWN_HALL, at, town_hall

OFFICE_CLERK = Caller(subject="clerk-olga", role="clerk", departments=("buergerbuero",))
ROADS_CLERK = Caller(subject="clerk-rolf", role="clerk", departments=("roads",))
ADMIN = Caller(subject="admin-ada", role="admin")


@pytest.fixture
def office(fake_uow):
    """The town hall, its desks filed under the citizens' office."""
    office = town_hall(fake_uow)
    filed = load(LocationInput, {**TOWN_HALL, "department": "buergerbuero"})
    change = CatalogueChange(LOCATION, filed, key="town-hall")
    catalogue.put(catalogue.ChangeCatalogue(change, ADMIN), office.uow, office.clock)
    return office


def arrived(office) -> str:
    booked = office.book(at("09:00"))
    check_in = desk.ActAtDesk(booked["appointment_id"], "check_in", caller=OFFICE_CLERK)
    desk.desk_action(check_in, office.uow, office.clock)
    return booked["appointment_id"]


def test_the_office_clerk_and_an_administrator_work_the_desks_of_the_office(office):
    appointment_id = arrived(office)

    for caller in (OFFICE_CLERK, ADMIN):
        [listed] = desk.day_list(desk.ReadDayList("town-hall", DAY, caller=caller), office.uow)[
            "appointments"
        ]
        assert listed["appointment_id"] == appointment_id
        locations = desk.desk_locations(desk.ListDeskLocations(caller), office.uow)
        assert [place["key"] for place in locations] == ["town-hall"]
        assert locations[0]["department"] == "buergerbuero"


@pytest.mark.parametrize(
    "stranger", [ROADS_CLERK, CLERK], ids=["another department", "no department"]
)
def test_a_clerk_of_another_department_finds_nothing_of_the_offices_desks(office, stranger):
    appointment_id = arrived(office)
    commands = [
        lambda: desk.day_list(desk.ReadDayList("town-hall", DAY, caller=stranger), office.uow),
        lambda: desk.board(
            desk.ReadBoard("town-hall", DAY, 1, caller=stranger), office.uow, office.clock
        ),
        lambda: desk.call_next(
            desk.CallNext("town-hall", 1, caller=stranger), office.uow, office.clock
        ),
        lambda: desk.issue_walk_in(
            desk.IssueWalkIn(stranger, "town-hall", "registration"), office.uow, office.clock
        ),
        lambda: desk.statistics(
            desk.ReadFigures("2027-06-02", "2027-06-02", DAY, DAY, "town-hall", caller=stranger),
            office.uow,
        ),
    ]
    for command in commands:
        with pytest.raises(UnknownLocation):
            command()
    with pytest.raises(NotFound) as refused:
        act = desk.ActAtDesk(appointment_id, "call", 1, caller=stranger)
        desk.desk_action(act, office.uow, office.clock)
    assert refused.value.message == "There is no such appointment."
    assert desk.desk_locations(desk.ListDeskLocations(stranger), office.uow) == []
    every = desk.ReadFigures("2027-06-02", "2027-06-02", DAY, DAY, caller=stranger)
    assert desk.statistics(every, office.uow)["rows"] == []
    # nothing moved: the visit still waits for the office
    waiting = desk.ReadBoard("town-hall", DAY, 1, caller=OFFICE_CLERK)
    assert desk.board(waiting, office.uow, office.clock)["counts"]["waiting"] == 1


def test_a_location_filed_under_no_department_is_worked_by_every_clerk(fake_uow):
    office = town_hall(fake_uow)

    for caller in (CLERK, ROADS_CLERK):
        listed = desk.desk_locations(desk.ListDeskLocations(caller), office.uow)
        assert [place["key"] for place in listed] == ["town-hall"]
        assert listed[0]["department"] is None


def test_a_department_is_a_plain_name(office):
    with pytest.raises(InvalidInput) as refused:
        load(LocationInput, {**TOWN_HALL, "department": "roads and parks"})
    assert set(refused.value.details) == {"department"}
