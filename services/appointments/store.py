"""Reading the catalogue from the database into the domain's values, and desk time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session

from services.appointments.catalogue import Capacity, Location, Offer, OpeningRule
from services.appointments.errors import UnknownLocation, UnknownService
from services.appointments.models import CapacityRow, DeskTime, LocationRow, OfferRow
from services.common.database import fetch_plain


@dataclass(frozen=True)
class Placement:
    """A service at a location: what the rules need, and the ids the tables use."""

    offer: Offer
    location: Location
    capacity: Capacity
    offer_id: int
    location_id: int


def offer_of(row: OfferRow) -> Offer:
    return Offer(row.key, row.name, row.duration_units, tuple(row.documents))


def location_of(row: LocationRow) -> Location:
    return Location(
        key=row.key,
        name=row.name,
        address=row.address,
        slot_minutes=row.slot_minutes,
        buffer_units=row.buffer_units,
        min_notice_minutes=row.min_notice_minutes,
        max_days_ahead=row.max_days_ahead,
        opening_rules=tuple(rule_of(rule) for rule in row.opening_hours),
        closed_dates=frozenset(date.fromisoformat(day) for day in row.closed_dates),
    )


def rule_of(stored: dict[str, Any]) -> OpeningRule:
    return OpeningRule(
        weekdays=frozenset(stored["weekdays"]),
        start_minute=minute_of_day(stored["start"]),
        end_minute=minute_of_day(stored["end"]),
        valid_from=_date_or_none(stored.get("valid_from")),
        valid_until=_date_or_none(stored.get("valid_until")),
        every_n_weeks=stored.get("every_n_weeks", 1),
    )


def minute_of_day(clock: str) -> int:
    if clock == "24:00":
        return 24 * 60
    parsed = time.fromisoformat(clock)
    return parsed.hour * 60 + parsed.minute


def _date_or_none(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def offer_row(session: Session, key: str) -> OfferRow:
    row = session.scalar(select(OfferRow).where(OfferRow.key == key))
    if row is None:
        raise UnknownService(f"No service {key!r} is offered.", {"service": key})
    return row


def location_row(session: Session, key: str) -> LocationRow:
    row = session.scalar(select(LocationRow).where(LocationRow.key == key))
    if row is None:
        raise UnknownLocation(f"There is no location {key!r}.", {"location": key})
    return row


def placements(session: Session, service: str, location: str | None = None) -> list[Placement]:
    """Where a service is offered (at one location, or at every one with capacity for it)."""
    offer = offer_row(session, service)
    query = (
        select(LocationRow, CapacityRow)
        .join(CapacityRow, CapacityRow.location_id == LocationRow.id)
        .where(CapacityRow.offer_id == offer.id)
        .order_by(LocationRow.key)
    )
    if location is not None:
        query = query.where(LocationRow.id == location_row(session, location).id)
    return [
        Placement(
            offer_of(offer),
            location_of(place),
            Capacity(capacity.desks, capacity.online_desks),
            offer.id,
            place.id,
        )
        for place, capacity in session.execute(query)
    ]


def placement_of(session: Session, offer_id: int, location_id: int, *, lock: str) -> Placement:
    """A service at a location by their ids, read anew (not from the session's memory) and
    locked: "share" while it is the basis of what is written, "update" to change it,
    "none" to read it only."""
    query = (
        select(LocationRow, CapacityRow, OfferRow)
        .join(CapacityRow, CapacityRow.location_id == LocationRow.id)
        .join(OfferRow, OfferRow.id == CapacityRow.offer_id)
        .where(LocationRow.id == location_id, OfferRow.id == offer_id)
        .execution_options(populate_existing=True)
    )
    if lock != "none":
        query = query.with_for_update(read=lock == "share")
    place, capacity, offer = session.execute(query).one()
    return Placement(
        offer_of(offer),
        location_of(place),
        Capacity(capacity.desks, capacity.online_desks),
        offer.id,
        place.id,
    )


def placement(session: Session, service: str, location: str) -> Placement:
    found = placements(session, service, location)
    if not found:
        raise UnknownService(
            f"{service!r} is not offered at {location!r}.",
            {"service": service, "location": location},
        )
    return found[0]


def taken_desk_time(
    session: Session, offer_id: int, location_id: int, first: int, last: int, now: int
) -> dict[int, list[int]]:
    """desk -> the minutes taken on it in [first, last], as of `now` (epoch seconds).

    The database joins each desk's minutes into one string: a quarter of a year is tens
    of thousands of rows, which cost more to hand to Python one by one than to read.
    """
    counting = or_(DeskTime.free_after.is_(None), DeskTime.free_after > now)
    return _desk_minutes(session, offer_id, location_id, first, last, counting)


def booked_desk_time(
    session: Session, offer_id: int, location_id: int, first: int, last: int
) -> dict[int, list[int]]:
    """desk -> the minutes bookings hold on it in [first, last]: the rows that stay until
    the booking is cancelled, not a hold's or a cancellation's that pass with time."""
    return _desk_minutes(session, offer_id, location_id, first, last, DeskTime.free_after.is_(None))


def _desk_minutes(
    session: Session, offer_id: int, location_id: int, first: int, last: int, counting
) -> dict[int, list[int]]:
    rows = fetch_plain(
        session,
        select(DeskTime.desk, _joined(session, DeskTime.minute))
        .where(
            DeskTime.offer_id == offer_id,
            DeskTime.location_id == location_id,
            DeskTime.minute.between(first, last),
            counting,
        )
        .group_by(DeskTime.desk),
    )
    return {desk: [int(minute) for minute in joined.split(",")] for desk, joined in rows}


def passing_desk_time(
    session: Session, offer_id: int, location_ids: list[int], first: int, last: int, now: int
) -> list[tuple[int, int]]:
    """(location id, minute) of the rows in [first, last] that count now but pass with
    time: holds until they lapse, cancelled bookings until the re-booking delay ends."""
    return fetch_plain(
        session,
        select(DeskTime.location_id, DeskTime.minute)
        .where(
            DeskTime.offer_id == offer_id,
            DeskTime.location_id.in_(location_ids),
            DeskTime.minute.between(first, last),
            DeskTime.free_after.is_not(None),
            DeskTime.free_after > now,
        )
        .distinct(),
    )


def _joined(session: Session, column):
    if session.get_bind().dialect.name == "postgresql":
        return func.string_agg(cast(column, String), ",")
    return func.group_concat(column)


def desks_at(session: Session, location_id: int) -> int:
    """How many desks a location has: as many as its largest capacity names, one at least."""
    most = session.scalar(
        select(func.max(CapacityRow.desks)).where(CapacityRow.location_id == location_id)
    )
    return max(most or 0, 1)
