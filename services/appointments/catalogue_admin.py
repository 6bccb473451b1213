"""Keeping the catalogue: services, locations with opening rules, capacities; and reading it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import exists, select

from services.appointments import free_days, lifecycle
from services.appointments.errors import SlotLengthInUse
from services.appointments.models import AppointmentRow, CapacityRow, LocationRow, OfferRow
from services.appointments.opening import local_date_of, to_minute
from services.appointments.store import location_row, offer_row
from services.common.database import Transaction


def offer_view(row: OfferRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "name": row.name,
        "duration_units": row.duration_units,
        "documents": list(row.documents),
    }


def location_view(row: LocationRow, capacities: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "key": row.key,
        "name": row.name,
        "address": row.address,
        "slot_minutes": row.slot_minutes,
        "buffer_units": row.buffer_units,
        "min_notice_minutes": row.min_notice_minutes,
        "max_days_ahead": row.max_days_ahead,
        "opening_hours": row.opening_hours,
        "closed_dates": row.closed_dates,
        "department": row.department,
        "capacities": capacities,
    }


def list_offers(tx: Transaction) -> list[dict[str, Any]]:
    return [offer_view(row) for row in tx.session.scalars(select(OfferRow).order_by(OfferRow.key))]


def _capacities(tx: Transaction, location_id: int | None = None) -> dict[int, list[dict]]:
    """location id -> its capacities (of one location, or of all)."""
    query = (
        select(CapacityRow, OfferRow.key)
        .join(OfferRow, OfferRow.id == CapacityRow.offer_id)
        .order_by(OfferRow.key)
    )
    if location_id is not None:
        query = query.where(CapacityRow.location_id == location_id)
    capacities: dict[int, list[dict[str, Any]]] = {}
    for capacity, offer_key in tx.session.execute(query):
        capacities.setdefault(capacity.location_id, []).append(
            {"service": offer_key, "desks": capacity.desks, "online_desks": capacity.online_desks}
        )
    return capacities


def list_locations(tx: Transaction) -> list[dict[str, Any]]:
    capacities = _capacities(tx)
    return [
        location_view(row, capacities.get(row.id, []))
        for row in tx.session.scalars(select(LocationRow).order_by(LocationRow.key))
    ]


def put_offer(
    tx: Transaction, key: str, data: dict[str, Any], now: datetime | None = None
) -> dict[str, Any]:
    row = tx.session.scalar(select(OfferRow).where(OfferRow.key == key))
    if row is None:
        row = OfferRow(key=key)
        tx.session.add(row)
    row.name, row.duration_units = data["name"], data["duration_units"]
    row.documents = list(data["documents"])
    tx.session.flush()
    free_days.rebuild(tx.session, _today(now), offer_id=row.id)
    return offer_view(row)


def put_location(tx: Transaction, key: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    row = tx.session.scalar(select(LocationRow).where(LocationRow.key == key))
    if row is None:
        row = LocationRow(key=key)
        tx.session.add(row)
    elif row.slot_minutes != data["slot_minutes"] and _has_future_appointments(tx, row, now):
        raise SlotLengthInUse(
            "The slot length cannot change while appointments are booked ahead.",
            {"slot_minutes": row.slot_minutes},
        )
    row.name, row.address = data["name"], data["address"]
    row.slot_minutes, row.buffer_units = data["slot_minutes"], data["buffer_units"]
    row.min_notice_minutes, row.max_days_ahead = data["min_notice_minutes"], data["max_days_ahead"]
    row.opening_hours = [_stored_rule(rule) for rule in data["opening_hours"]]
    row.closed_dates = sorted({day.isoformat() for day in data["closed_dates"]})
    row.department = data["department"]
    tx.session.flush()
    free_days.rebuild(tx.session, _today(now), location_id=row.id)
    return location_view(row, _capacities(tx, row.id).get(row.id, []))


def _stored_rule(rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "weekdays": sorted(set(rule["weekdays"])),
        "start": rule["start"],
        "end": rule["end"],
        "valid_from": rule["valid_from"].isoformat() if rule["valid_from"] else None,
        "valid_until": rule["valid_until"].isoformat() if rule["valid_until"] else None,
        "every_n_weeks": rule["every_n_weeks"],
    }


def _has_future_appointments(tx: Transaction, row: LocationRow, now: datetime) -> bool:
    return bool(
        tx.session.scalar(
            select(
                exists().where(
                    AppointmentRow.location_id == row.id,
                    AppointmentRow.status.in_(lifecycle.ACTIVE),
                    AppointmentRow.end_minute > to_minute(now),
                )
            )
        )
    )


def put_capacity(
    tx: Transaction,
    location: str,
    service: str,
    data: dict[str, Any],
    now: datetime | None = None,
) -> dict[str, Any]:
    place, offer = location_row(tx.session, location), offer_row(tx.session, service)
    row = tx.session.get(CapacityRow, (place.id, offer.id))
    if row is None:
        row = CapacityRow(location_id=place.id, offer_id=offer.id)
        tx.session.add(row)
    row.desks, row.online_desks = data["desks"], data["online_desks"]
    tx.session.flush()
    free_days.rebuild(tx.session, _today(now), offer_id=offer.id, location_id=place.id)
    return {"location": location, "service": service, **data}


def _today(now: datetime | None) -> date:
    """The first day whose slots a catalogue change rewrites (days before are not offered)."""
    return local_date_of(to_minute(now or datetime.now(UTC)))


def is_empty(tx: Transaction) -> bool:
    return not tx.session.scalar(select(exists().where(OfferRow.id.is_not(None))))
