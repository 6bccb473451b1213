"""Every appointments answer has the shape its RPC declares: no field the schema lacks, none
it requires missing, and dumping it through the schema changes nothing. A field added in a
use case and not in services/appointments/answers.py (or the other way round) fails here."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from marshmallow import Schema
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from services.appointments.catalogue_changes import (
    CAPACITY,
    LOCATION,
    SERVICE,
    CatalogueChange,
)
from services.appointments.schemas import CapacityInput, LocationInput, OfferInput
from services.appointments.service import AppointmentsService
from services.appointments.use_cases import catalogue, citizens, desk
from services.common.answers import mismatches
from services.common.audit import AuditQuery
from services.common.loading import load
from services.common.rpc_entrypoint import Rpc
from tests.unit.appointments.office import (
    CLERK,
    DAY,
    ID_CARD,
    TOWN_HALL,
    at,
    town_hall,
)


@pytest.fixture
def office(fake_uow):
    return town_hall(fake_uow)


def rpcs() -> dict[str, Rpc]:
    """The appointments service's own RPCs (not those its common mixins bring)."""
    found = {}
    for name, method in inspect.getmembers(AppointmentsService, inspect.isfunction):
        if not method.__module__.startswith("services.appointments."):
            continue
        for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(entrypoint, Rpc):
                found[name] = entrypoint
    return found


def conforms(rpc: str, answer: Any) -> None:
    entrypoint = rpcs()[rpc]
    schema: type[Schema] = entrypoint.answers
    assert mismatches(schema(), answer, many=entrypoint.many) == []
    assert schema(many=entrypoint.many).dump(answer) == answer, "dumping changed the answer"


def test_every_rpc_of_the_service_declares_the_schema_of_its_answer():
    undeclared = [name for name, entrypoint in rpcs().items() if entrypoint.answers is None]

    assert len(rpcs()) == 24
    assert undeclared == []


def test_the_lists_of_the_catalogue_answer_as_declared(office):
    conforms("list_services", catalogue.list_services(office.uow))
    conforms("list_locations", catalogue.list_locations(office.uow))


def test_each_put_answers_the_thing_saved_as_declared(office):
    def put(change: CatalogueChange) -> dict[str, Any]:
        return catalogue.put(catalogue.ChangeCatalogue(change, CLERK), office.uow, office.clock)

    closed = {**TOWN_HALL, "closed_dates": [DAY.isoformat()]}
    conforms("put_location", put(CatalogueChange(LOCATION, load(LocationInput, closed), key="t")))
    conforms("put_service", put(CatalogueChange(SERVICE, load(OfferInput, ID_CARD), key="id")))
    capacity = load(CapacityInput, {"desks": 3, "online_desks": 1})
    conforms(
        "put_capacity",
        put(CatalogueChange(CAPACITY, capacity, location="town-hall", service="id-card")),
    )


def test_the_free_slots_and_a_changes_preview_answer_as_declared(office):
    found = catalogue.availability(
        catalogue.FindFreeSlots("registration", DAY, DAY), office.uow, office.clock, office.settings
    )
    assert found["locations"][0]["days"]
    conforms("availability", found)

    capacity = load(CapacityInput, {"desks": 3, "online_desks": 3})
    change = CatalogueChange(CAPACITY, capacity, location="town-hall", service="registration")
    previewed = catalogue.preview(
        catalogue.PreviewChange(change, DAY, DAY), office.uow, office.clock, office.settings
    )
    assert previewed["places"][0]["days"]
    conforms("preview_availability", previewed)


def test_the_catalogues_audit_trail_answers_as_declared(office):
    trail = catalogue.audit_trail(
        catalogue.ReadAuditTrail(load(AuditQuery, {"limit": 2})), office.uow
    )

    assert trail["next_cursor"] is not None
    conforms("audit_trail", trail)


def test_a_booking_by_mailed_links_answers_as_declared_at_every_step(office):
    held = office.hold(at("09:00"))
    conforms("hold", held)
    confirmed = office.confirm(held["appointment_id"])
    conforms("confirm", confirmed)
    token = office.manage_token(held["appointment_id"])

    shown = citizens.view_by_token(citizens.ViewByLink(token), office.uow)
    assert shown["ics"]
    conforms("view_by_token", shown)
    moved = citizens.reschedule_by_token(
        citizens.RescheduleByLink(token, at("11:00")), office.uow, office.clock, office.settings
    )
    conforms("reschedule_by_token", moved)
    token = office.manage_token(held["appointment_id"])
    cancelled = citizens.cancel_by_token(
        citizens.CancelByLink(token), office.uow, office.clock, office.settings
    )
    conforms("cancel_by_token", cancelled)


def test_a_signed_in_citizens_appointments_answer_as_declared(office):
    held = office.hold(at("09:00"), citizen="citizen-erika")
    other = office.hold(at("10:00"), citizen="citizen-erika")

    conforms(
        "my_appointments", citizens.my_appointments(citizens.ListMine("citizen-erika"), office.uow)
    )
    confirmed = citizens.confirm_mine(
        citizens.ConfirmMine("citizen-erika", held["appointment_id"]),
        office.uow,
        office.clock,
        office.settings,
    )
    conforms("confirm_mine", confirmed)
    cancelled = citizens.cancel_mine(
        citizens.CancelMine("citizen-erika", other["appointment_id"]),
        office.uow,
        office.clock,
        office.settings,
    )
    conforms("cancel_mine", cancelled)


def test_the_desks_day_answers_as_declared_from_check_in_to_the_figures(office):
    first = office.book(at("08:00"))
    second = office.book(at("08:15"), "max@example.org")
    office.clock.advance(minutes=65)

    checked_in = desk.desk_action(
        desk.ActAtDesk(first["appointment_id"], "check_in", caller=CLERK), office.uow, office.clock
    )
    assert checked_in["ticket"] == 1
    conforms("desk_action", checked_in)
    desk.desk_action(
        desk.ActAtDesk(second["appointment_id"], "check_in", caller=CLERK), office.uow, office.clock
    )
    conforms(
        "day_list", desk.day_list(desk.ReadDayList("town-hall", DAY, caller=CLERK), office.uow)
    )
    walk_in = desk.IssueWalkIn(CLERK, "town-hall", "registration", "key-1")
    conforms("issue_walk_in", desk.issue_walk_in(walk_in, office.uow, office.clock))
    conforms("issue_walk_in", desk.issue_walk_in(walk_in, office.uow, office.clock))

    called = desk.call_next(desk.CallNext("town-hall", 1, caller=CLERK), office.uow, office.clock)
    conforms("call_next", called)
    waiting = desk.board(
        desk.ReadBoard("town-hall", DAY, 1, caller=CLERK), office.uow, office.clock
    )
    assert waiting["visits"] and waiting["at_desk"] is not None
    conforms("desk_board", waiting)
    conforms(
        "call_display",
        desk.call_display(desk.ReadCallDisplay("town-hall"), office.uow, office.clock),
    )

    office.clock.advance(minutes=5)
    desk.desk_action(
        desk.ActAtDesk(called["appointment_id"], "serve", caller=CLERK), office.uow, office.clock
    )
    served = desk.board(
        desk.ReadBoard("town-hall", DAY, 1, "served", caller=CLERK), office.uow, office.clock
    )
    assert served["visits"][0]["finished_at"] is not None
    conforms("desk_board", served)
    figures = desk.statistics(
        desk.ReadFigures("2027-06-02", "2027-06-02", DAY, DAY, caller=CLERK), office.uow
    )
    assert figures["rows"][0]["median_wait_minutes"] is not None
    conforms("statistics", figures)


def test_an_answer_with_a_field_its_schema_lacks_is_out_of_contract(office):
    held = office.hold(at("09:00"))
    schema = rpcs()["hold"].answers

    assert mismatches(schema(), {**held, "surprise": 1}) == [".surprise is not in AppointmentView"]
    incomplete = {key: value for key, value in held.items() if key != "status"}
    assert mismatches(schema(), incomplete) == [".status is missing"]
