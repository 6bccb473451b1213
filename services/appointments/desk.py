"""The desk: the day's list for a location, check-in, call (the next, or one), served,
no-show, and figures."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from services.appointments import lifecycle, statistics, tickets, views, walk_ins
from services.appointments.errors import NobodyWaiting, NoSuchDesk
from services.appointments.events import (
    APPOINTMENT_CHECKED_IN,
    APPOINTMENT_COMPLETED,
    APPOINTMENT_NO_SHOW,
)
from services.appointments.models import AppointmentRow, LocationRow, OfferRow
from services.appointments.opening import (
    day_bounds,
    local_date_of,
    to_instant,
    to_local,
    to_minute,
)
from services.appointments.store import desks_at, location_row, offer_row
from services.appointments.views import Booked
from services.common.database import Transaction
from services.common.errors import NotFound
from services.common.events import EventContract
from services.common.reach import Reach
from services.common.transitions import refusal

EVERY_LOCATION = Reach(None)

# what each desk action stamps, and the event a booked appointment's move publishes
_STAMPS: dict[str, tuple[str, EventContract | None]] = {
    "check_in": ("checked_in_at", APPOINTMENT_CHECKED_IN),
    "call": ("called_at", None),
    "serve": ("finished_at", APPOINTMENT_COMPLETED),
    "no_show": ("finished_at", APPOINTMENT_NO_SHOW),
}


def of_the_day(location_id: int, day: date) -> tuple[ColumnElement[bool], ...]:
    """What picks a location's visits of one local day, by the minute they start."""
    first, end = day_bounds(day)
    return (
        AppointmentRow.location_id == location_id,
        AppointmentRow.start_minute >= first,
        AppointmentRow.start_minute < end,
    )


def day_list(tx: Transaction, location: str, day: date) -> list[Booked]:
    place = location_row(tx.session, location)
    rows = tx.session.scalars(
        select(AppointmentRow)
        .where(
            *of_the_day(place.id, day),
            AppointmentRow.status.not_in((lifecycle.HELD, lifecycle.HOLD_EXPIRED)),
        )
        .order_by(AppointmentRow.start_minute, AppointmentRow.desk)
    ).all()
    return [Booked.load(tx.session, row) for row in rows]


def act(
    tx: Transaction, appointment_id: str, action: str, now: datetime, desk: int | None = None
) -> Booked:
    """Move a visit along at the desk; a call names the desk that calls (`desk`)."""
    row = tx.session.get(AppointmentRow, appointment_id, with_for_update=True)
    if row is None:
        raise no_such_appointment(appointment_id)
    if (
        action == "check_in"
        and to_local(row.start_minute).date() != to_local(to_minute(now)).date()
    ):
        raise refusal(
            "appointment",
            row.status,
            lifecycle.CHECKED_IN,
            message="Check-in is possible on the appointment's day only.",
            status=row.status,
            action=action,
        )
    row.status = lifecycle.next_status(row.status, action, lifecycle.DESK_ACTIONS)
    stamp, contract = _STAMPS[action]
    setattr(row, stamp, now)
    if action == "check_in":
        row.ticket = tickets.draw(tx.session, row.location_id, local_date_of(row.start_minute))
    if action == "call":
        row.called_desk = check_desk(tx.session, row.location_id, desk)
    booked = Booked.load(tx.session, row)
    if row.walk_in:
        if action in ("serve", "no_show"):
            walk_ins.tell_finished(tx, booked)
    elif contract is APPOINTMENT_COMPLETED:
        tx.publish(contract, views.to_citizen(booked))
    elif contract is not None:
        tx.publish(contract, views.facts(booked))
    tickets.tell_the_desks(tx, row)
    return booked


def call_next(tx: Transaction, location: str, desk: int, now: datetime) -> Booked:
    """Call the visit that has waited first in the queue (by its time: an appointment's
    start, a walk-in's arrival) to `desk`. Two desks calling at once call two visits: the
    one each takes is locked, and the other desk passes it by."""
    place = location_row(tx.session, location)
    row = tx.session.scalars(
        select(AppointmentRow)
        .where(
            *of_the_day(place.id, local_date_of(to_minute(now))),
            AppointmentRow.status == lifecycle.CHECKED_IN,
        )
        .order_by(AppointmentRow.start_minute, AppointmentRow.ticket)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        raise NobodyWaiting("Nobody is waiting.", {"location": location})
    return act(tx, row.id, "call", now, desk)


def no_such_appointment(appointment_id: str) -> NotFound:
    return NotFound("There is no such appointment.", {"appointment_id": appointment_id})


def check_desk(session: Session, location_id: int, desk: int | None) -> int | None:
    """A desk number the location has; None (a call from the JSON API) names no desk."""
    if desk is None:
        return None
    return desk_among(desk, desks_at(session, location_id))


def desk_among(desk: int, desks: int) -> int:
    """`desk`, a number from 1 to the location's `desks`."""
    if not isinstance(desk, int) or isinstance(desk, bool) or not 1 <= desk <= desks:
        raise NoSuchDesk("The location has no desk with that number.", {"desk": desk})
    return desk


def figures(
    tx: Transaction,
    first: date,
    last: date,
    location: str | None,
    service: str | None,
    reach: Reach = EVERY_LOCATION,
) -> list[dict]:
    """Per service and location, of the locations in `reach`."""
    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    query = (
        select(
            OfferRow.key,
            LocationRow.key,
            AppointmentRow.status,
            AppointmentRow.start_minute,
            AppointmentRow.confirmed_at,
            AppointmentRow.walk_in,
            AppointmentRow.checked_in_at,
            AppointmentRow.called_at,
        )
        .join(OfferRow, OfferRow.id == AppointmentRow.offer_id)
        .join(LocationRow, LocationRow.id == AppointmentRow.location_id)
        .where(AppointmentRow.start_minute >= start, AppointmentRow.start_minute < end)
    )
    if location is not None:
        query = query.where(AppointmentRow.location_id == location_row(tx.session, location).id)
    if service is not None:
        query = query.where(AppointmentRow.offer_id == offer_row(tx.session, service).id)
    if reach.keys is not None:
        query = query.where(LocationRow.key.in_(reach.keys))
    # plain rows, past the ORM's loading: a third of the time of a 2,000-appointment day's figures
    rows = tx.session.connection().execute(query)
    return statistics.figures(
        statistics.Outcome(
            offer, place, status, to_instant(minute), confirmed, walk_in, came, called
        )
        for offer, place, status, minute, confirmed, walk_in, came, called in rows
    )
