"""An administrator's changes to the catalogue: each kept in the audit trail, and each
previewed as the free slots it would make before it is saved.

A change is one of the three puts (a service, a location with its opening hours and closed
days, a capacity of desks). Saving it writes the audit row in the same transaction. The
preview runs the same put inside a savepoint, reads the free slots the availability rule
gives with the change, and rolls the savepoint back: what it shows is what saving would
make, computed by the rule the citizens' booking uses, and nothing of it stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from marshmallow import fields, validate
from sqlalchemy import select

from services.appointments import availability, catalogue_admin
from services.appointments.errors import UnknownLocation, UnknownService
from services.appointments.models import CapacityRow, LocationRow, OfferRow
from services.appointments.opening import local_date_of, to_minute
from services.appointments.schemas import (
    CapacityInput,
    LocationInput,
    OfferInput,
    check_key,
)
from services.appointments.settings import AppointmentSettings
from services.common import audit
from services.common.database import Transaction
from services.common.errors import InvalidInput
from services.common.identity import Caller
from services.common.loading import Strict, load

SERVICE, LOCATION, CAPACITY = "service", "location", "capacity"
KINDS = (SERVICE, LOCATION, CAPACITY)
# what each page of the administration shows in its "Changes" list
ENTITIES = (SERVICE, LOCATION, CAPACITY)


class ChangeInput(Strict):
    """A change to preview: a service or a location by its key, or a capacity by its
    location and service, with the value its put takes."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    key = fields.String(load_default=None)
    location = fields.String(load_default=None)
    service = fields.String(load_default=None)
    value = fields.Dict(required=True, metadata={"description": "as the kind's put takes it"})


@dataclass(frozen=True)
class CatalogueChange:
    """One put, loaded and checked: `kind`, the key(s) it names, and the new value."""

    kind: str
    value: dict[str, Any]
    key: str = ""  # a service's or a location's key
    location: str = ""  # a capacity's location and service
    service: str = ""

    @classmethod
    def of(cls, asked: dict[str, Any]) -> CatalogueChange:
        """A change as `ChangeInput` loaded it, its value checked as its put checks it."""
        kind, value = asked["kind"], asked["value"]
        if kind == CAPACITY:
            return cls(
                kind,
                load(CapacityInput, value),
                location=check_key(asked["location"], "location"),
                service=check_key(asked["service"], "service"),
            )
        schema = OfferInput if kind == SERVICE else LocationInput
        return cls(kind, load(schema, value), key=check_key(asked["key"], "key"))

    @property
    def audit_key(self) -> str:
        return f"{self.location}/{self.service}" if self.kind == CAPACITY else self.key


# saving, with the audit row


def put(tx: Transaction, caller: Caller, change: CatalogueChange, now: datetime) -> dict:
    """Save the change and record it in the audit trail; the saved thing's view."""
    before = _current(tx, change)
    saved = _apply(tx, change, now)
    audit.record(
        tx.session,
        caller,
        now,
        entity=change.kind,
        key=change.audit_key,
        before=before,
        after=_current(tx, change),
    )
    return saved


def _apply(tx: Transaction, change: CatalogueChange, now: datetime) -> dict[str, Any]:
    if change.kind == SERVICE:
        return catalogue_admin.put_offer(tx, change.key, change.value, now)
    if change.kind == LOCATION:
        before = tx.session.scalar(select(LocationRow).where(LocationRow.key == change.key))
        check_closed_days(
            set(before.closed_dates) if before else set(), change.value["closed_dates"], now
        )
        return catalogue_admin.put_location(tx, change.key, change.value, now)
    return catalogue_admin.put_capacity(tx, change.location, change.service, change.value, now)


def check_closed_days(kept: set[str], asked: list[date], now: datetime) -> None:
    """A closed day added must lie ahead: closing a day that has passed changes nothing but
    the record. Days kept from before may have passed (last year's Christmas Eve)."""
    today = local_date_of(to_minute(now))
    passed = sorted(day.isoformat() for day in asked if day < today and day.isoformat() not in kept)
    if passed:
        raise InvalidInput(
            "A closed day added must not have passed.",
            {"closed_dates": [f"{day} has passed." for day in passed]},
        )


def _current(tx: Transaction, change: CatalogueChange) -> dict[str, Any] | None:
    """The thing as the audit trail keeps it (a location without its capacities, which are
    things of their own), or None if it does not exist yet."""
    session = tx.session
    if change.kind == SERVICE:
        offer = session.scalar(select(OfferRow).where(OfferRow.key == change.key))
        return catalogue_admin.offer_view(offer) if offer else None
    if change.kind == LOCATION:
        place = session.scalar(select(LocationRow).where(LocationRow.key == change.key))
        if place is None:
            return None
        view = catalogue_admin.location_view(place, [])
        del view["capacities"]
        return view
    row = session.execute(
        select(CapacityRow)
        .join(LocationRow, LocationRow.id == CapacityRow.location_id)
        .join(OfferRow, OfferRow.id == CapacityRow.offer_id)
        .where(LocationRow.key == change.location, OfferRow.key == change.service)
    ).scalar_one_or_none()
    return None if row is None else {"desks": row.desks, "online_desks": row.online_desks}


# the preview


def preview(
    tx: Transaction,
    change: CatalogueChange,
    first: date,
    last: date,
    settings: AppointmentSettings,
    now: datetime,
) -> dict[str, Any]:
    """The free slots of every service and location the change touches, per day, as they
    are and as they would be; nothing is saved."""
    places = _touched(tx, change)
    before = {place: _free(tx, place, first, last, settings, now) for place in places}
    with tx.session.begin_nested() as trial:
        _apply(tx, change, now)
        tx.session.flush()
        places = sorted({*places, *_touched(tx, change)})
        after = {place: _free(tx, place, first, last, settings, now) for place in places}
        trial.rollback()
    return {
        "date_from": first.isoformat(),
        "date_to": last.isoformat(),
        "places": [
            {
                "location": location,
                "service": service,
                "days": compare(before.get((location, service), []), after[(location, service)]),
            }
            for location, service in places
        ],
    }


Place = tuple[str, str]  # (location key, service key)


def _touched(tx: Transaction, change: CatalogueChange) -> list[Place]:
    """The (location, service) pairs whose free slots the change may move."""
    if change.kind == CAPACITY:
        _exists(tx, LocationRow, change.location, UnknownLocation)
        _exists(tx, OfferRow, change.service, UnknownService)
        return [(change.location, change.service)]
    query = (
        select(LocationRow.key, OfferRow.key)
        .join(CapacityRow, CapacityRow.location_id == LocationRow.id)
        .join(OfferRow, OfferRow.id == CapacityRow.offer_id)
        .where(CapacityRow.online_desks > 0)
    )
    column = LocationRow.key if change.kind == LOCATION else OfferRow.key
    return [tuple(pair) for pair in tx.session.execute(query.where(column == change.key))]


def _exists(tx: Transaction, table: type, key: str, error: type) -> None:
    if tx.session.scalar(select(table.id).where(table.key == key)) is None:
        raise error(f"There is no {key}.", {"key": key})


def _free(
    tx: Transaction,
    place: Place,
    first: date,
    last: date,
    settings: AppointmentSettings,
    now: datetime,
) -> list[dict[str, Any]]:
    location, service = place
    found = availability.availability(tx, service, first, last, location, settings, now)
    return found["locations"][0]["days"] if found["locations"] else []


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per local day that has free slots before or after: the places free before and after,
    and the start times that the change opens and closes."""
    was, will = _by_day(before), _by_day(after)
    days = []
    for day in sorted({*was, *will}):
        old, new = was.get(day, {}), will.get(day, {})
        days.append(
            {
                "date": day,
                "places_before": sum(old.values()),
                "places_after": sum(new.values()),
                "times_opened": sorted(set(new) - set(old)),
                "times_closed": sorted(set(old) - set(new)),
            }
        )
    return days


def _by_day(days: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """date -> start time -> places free. A day the clocks change comes in two parts; the
    hour they repeat is at night, when no office opens, so its times never meet."""
    merged: dict[str, dict[str, int]] = {}
    for part in days:
        times = merged.setdefault(part["date"], {})
        for time, free in zip(part["times"], part["free"], strict=True):
            if free > 0:
                times[time] = times.get(time, 0) + free
    return merged
