"""Reading and keeping the catalogue, and the free slots, on a fake unit of work."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.appointments.catalogue_changes import CAPACITY, LOCATION, SERVICE, CatalogueChange
from services.appointments.errors import (
    DateInPast,
    RangeTooLong,
    SlotLengthInUse,
    UnknownLocation,
    UnknownService,
)
from services.appointments.schemas import CapacityInput, LocationInput, OfferInput
from services.appointments.use_cases import catalogue
from services.common.audit import AuditQuery
from services.common.errors import InvalidInput
from services.common.loading import load
from tests.unit.appointments.office import CLERK, DAY, TOWN_HALL, at, town_hall


@pytest.fixture
def office(fake_uow):
    return town_hall(fake_uow)


def free_slots(office, service="registration", first=DAY, last=DAY, location=None):
    command = catalogue.FindFreeSlots(service, first, last, location)
    return catalogue.availability(command, office.uow, office.clock, office.settings)


def free_at(office, clock, service="registration"):
    """Places free at the town hall at `clock` on DAY (0 when the time is not offered)."""
    [place] = free_slots(office, service)["locations"]
    for day in place["days"]:
        if day["date"] == DAY.isoformat() and clock in day["times"]:
            return day["free"][day["times"].index(clock)]
    return 0


def put(office, change):
    return catalogue.put(catalogue.ChangeCatalogue(change, CLERK), office.uow, office.clock)


def location_change(**changes):
    return CatalogueChange(LOCATION, load(LocationInput, {**TOWN_HALL, **changes}), key="town-hall")


def capacity_change(desks, online, location="town-hall", service="registration"):
    value = load(CapacityInput, {"desks": desks, "online_desks": online})
    return CatalogueChange(CAPACITY, value, location=location, service=service)


def trail(office, **query):
    asked = load(AuditQuery, query)
    return catalogue.audit_trail(catalogue.ReadAuditTrail(asked), office.uow)["changes"]


def test_the_services_are_listed_by_key_with_what_to_bring(office):
    listed = catalogue.list_services(office.uow)

    assert [service["key"] for service in listed] == ["id-card", "registration"]
    assert listed[0]["documents"] == ["Altes Dokument"]


def test_a_location_is_listed_with_its_desks_per_service(office):
    [town] = catalogue.list_locations(office.uow)

    assert town["key"] == "town-hall" and town["slot_minutes"] == 15
    assert town["capacities"] == [
        {"service": "id-card", "desks": 2, "online_desks": 2},
        {"service": "registration", "desks": 1, "online_desks": 1},
    ]


def test_a_free_slot_is_offered_until_it_is_held(office):
    assert free_at(office, "09:00") == 1

    office.hold(at("09:00"))

    assert free_at(office, "09:00") == 0
    assert free_at(office, "09:15") == 1


def test_free_slots_are_asked_for_a_limited_number_of_days(office):
    with pytest.raises(RangeTooLong) as refused:
        free_slots(office, last=DAY + timedelta(days=92))

    assert refused.value.details == {"max_days": 92}


def test_free_slots_of_days_that_have_passed_are_not_asked_for(office):
    with pytest.raises(DateInPast):
        free_slots(office, first=DAY - timedelta(days=2), last=DAY - timedelta(days=1))


def test_free_slots_of_a_service_not_offered_are_refused(office):
    with pytest.raises(UnknownService) as refused:
        free_slots(office, service="passport")

    assert refused.value.code == "unknown_service"


def test_every_change_is_recorded_with_who_made_it_and_what_it_was_before(office):
    renamed = load(OfferInput, {"name": "Anmeldung eines Wohnsitzes", "duration_units": 1})
    put(office, CatalogueChange(SERVICE, renamed, key="registration"))

    [latest, *_] = trail(office)

    assert (latest["entity"], latest["key"]) == ("service", "registration")
    assert (latest["actor"], latest["actor_name"]) == ("clerk-anna", "Anna Schreiber")
    assert latest["before"]["name"] == "Anmeldung"
    assert latest["after"]["name"] == "Anmeldung eines Wohnsitzes"


def test_the_trail_can_be_read_for_one_kind_of_thing(office):
    shown = trail(office, entities=["capacity"])

    assert {change["key"] for change in shown} == {"town-hall/id-card", "town-hall/registration"}


def test_more_desks_online_offer_more_places(office):
    put(office, capacity_change(2, 2))

    assert free_at(office, "09:00") == 2


def test_a_capacity_of_a_location_that_does_not_exist_is_refused(office):
    with pytest.raises(UnknownLocation):
        put(office, capacity_change(1, 1, location="harbour"))


def test_the_slot_length_stays_while_appointments_are_booked_ahead(office):
    office.book(at("09:00"))

    with pytest.raises(SlotLengthInUse) as refused:
        put(office, location_change(slot_minutes=30))

    assert refused.value.details == {"slot_minutes": 15}
    [town] = catalogue.list_locations(office.uow)
    assert town["slot_minutes"] == 15


def test_a_closed_day_added_must_lie_ahead(office):
    with pytest.raises(InvalidInput) as refused:
        put(office, location_change(closed_dates=[(DAY - timedelta(days=1)).isoformat()]))

    assert refused.value.details == {"closed_dates": ["2027-06-01 has passed."]}


def test_a_closed_day_is_offered_no_more(office):
    put(office, location_change(closed_dates=[DAY.isoformat()]))

    assert free_at(office, "09:00") == 0


def test_a_preview_shows_the_places_a_change_opens_without_saving_it(office):
    command = catalogue.PreviewChange(capacity_change(3, 3), DAY, DAY)

    previewed = catalogue.preview(command, office.uow, office.clock, office.settings)

    [place] = previewed["places"]
    assert (place["location"], place["service"]) == ("town-hall", "registration")
    [day] = place["days"]
    assert day["places_after"] == 3 * day["places_before"]
    assert free_at(office, "09:00") == 1  # nothing saved
    assert office.uow.published == []
