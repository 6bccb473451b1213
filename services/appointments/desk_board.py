"""What the desk and the hall's display read: a location's day as the desk works it.

The desk's list comes in parts (queue.SECTIONS) with their counts, one part a page at a
time: a day of two thousand appointments is read as a count per status and a page of rows,
not as two thousand. The display reads the visits called right now: numbers and desks.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from services.appointments import lifecycle, queue
from services.appointments.desk import desk_among, of_the_day
from services.appointments.models import AppointmentRow, CapacityRow, LocationRow, OfferRow
from services.appointments.opening import local_date_of, to_minute
from services.appointments.store import desks_at, location_row
from services.appointments.views import iso
from services.common.database import Transaction

# what the hall's display shows at most: the calls of the moment
DISPLAYED_CALLS = 8

_ORDER = {
    queue.EXPECTED: (AppointmentRow.start_minute, AppointmentRow.id),
    queue.WAITING: (AppointmentRow.start_minute, AppointmentRow.ticket),
    queue.CALLED: (AppointmentRow.called_at.desc(), AppointmentRow.id),
    queue.SERVED: (AppointmentRow.finished_at.desc(), AppointmentRow.id),
    queue.NO_SHOW: (AppointmentRow.finished_at.desc(), AppointmentRow.id),
}


def board(
    tx: Transaction,
    location: str,
    day: date,
    desk: int,
    section: str,
    offset: int,
    limit: int,
    now: datetime,
) -> dict[str, Any]:
    session = tx.session
    place = location_row(session, location)
    desks = desks_at(session, place.id)
    desk_among(desk, desks)
    the_day = of_the_day(place.id, day)
    counts = _counts(session, the_day)
    pace = _pace(session, place, the_day, desks)
    rows = _visits(session, the_day, queue.STATUSES_OF[section], _ORDER[section], offset, limit)
    if section == queue.WAITING:
        rows = [
            {**row, "wait_minutes": pace.wait(offset + position)}
            for position, row in enumerate(rows)
        ]
    at_desk = _visits(
        session,
        (*the_day, AppointmentRow.called_desk == desk),
        (lifecycle.CALLED,),
        _ORDER[queue.CALLED],
        0,
        1,
    )
    return {
        "location": place.key,
        "location_name": place.name,
        "date": day.isoformat(),
        "today": day == local_date_of(to_minute(now)),
        "desk": desk,
        "desks": desks,
        "counts": counts,
        "section": section,
        "offset": offset,
        "limit": limit,
        "visits": rows,
        "at_desk": at_desk[0] if at_desk else None,
        "wait_minutes": pace.wait(counts[queue.WAITING]),
        "services": _services_at(session, place.id),
    }


def visit(tx: Transaction, appointment_id: str) -> dict[str, Any]:
    """One visit as the desk's list shows it, with the wait of its place in the queue."""
    row = tx.session.get(AppointmentRow, appointment_id)
    place = tx.session.get(LocationRow, row.location_id)
    the_day = of_the_day(place.id, local_date_of(row.start_minute))
    [shown] = _visits(tx.session, (AppointmentRow.id == row.id,), (row.status,), (), 0, 1)
    ahead = tx.session.scalar(
        select(func.count()).where(
            *the_day,
            AppointmentRow.status == lifecycle.CHECKED_IN,
            (AppointmentRow.start_minute < row.start_minute)
            | (
                (AppointmentRow.start_minute == row.start_minute)
                & (AppointmentRow.ticket < row.ticket)
            ),
        )
    )
    pace = _pace(tx.session, place, the_day, desks_at(tx.session, place.id))
    return {**shown, "wait_minutes": pace.wait(ahead)}


def display(tx: Transaction, location: str, day: date) -> dict[str, Any]:
    """The calls of the moment at a location, the latest first: number and desk, no name."""
    place = location_row(tx.session, location)
    calls = tx.session.execute(
        select(AppointmentRow.ticket, AppointmentRow.called_desk, AppointmentRow.called_at)
        .where(
            *of_the_day(place.id, day),
            AppointmentRow.status == lifecycle.CALLED,
        )
        .order_by(AppointmentRow.called_at.desc(), AppointmentRow.ticket.desc())
        .limit(DISPLAYED_CALLS)
    ).all()
    return {
        "location": place.key,
        "location_name": place.name,
        "date": day.isoformat(),
        "calls": [
            {
                "ticket": ticket,
                "ticket_label": queue.ticket_label(ticket) if ticket is not None else None,
                "desk": desk,
                "called_at": called_at.isoformat(),
            }
            for ticket, desk, called_at in calls
        ],
    }


class _Pace:
    """How fast the day's queue moves: the minutes a visit took on average (None before
    anyone was served), and the desks at work."""

    def __init__(self, handling: float | None, desks: int, planned: float) -> None:
        self.handling = handling
        self.desks = desks
        self.planned = planned

    def wait(self, ahead: int) -> int:
        return queue.estimated_wait_minutes(ahead, self.handling, self.desks, self.planned)


def _pace(session: Session, place: LocationRow, the_day: tuple, desks: int) -> _Pace:
    """The day's pace in one aggregate: late in a day of two thousand visits, reading each
    one served would cost the desk's list more than all its other queries."""
    served = (AppointmentRow.status == lifecycle.COMPLETED) & AppointmentRow.called_at.is_not(None)
    waiting = AppointmentRow.status == lifecycle.CHECKED_IN
    took = _seconds_between(session, AppointmentRow.finished_at, AppointmentRow.called_at)
    handling, working, planned = session.execute(
        select(
            func.avg(case((served, took))),
            func.count(case((served, AppointmentRow.called_desk)).distinct()),
            func.avg(case((waiting, AppointmentRow.end_minute - AppointmentRow.start_minute))),
        ).where(
            *the_day,
            AppointmentRow.status.in_((lifecycle.COMPLETED, lifecycle.CHECKED_IN)),
        )
    ).one()
    return _Pace(
        float(handling) / 60 if handling is not None else None,
        working or desks,
        float(planned or place.slot_minutes),
    )


def _seconds_between(session: Session, later, earlier) -> ColumnElement[float]:
    """The seconds from one instant to another, to the millisecond SQLite keeps of them."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return func.round((func.julianday(later) - func.julianday(earlier)) * 86400, 3)


def _counts(session: Session, the_day: tuple) -> dict[str, int]:
    counted = dict(
        session.execute(
            select(AppointmentRow.status, func.count())
            .where(*the_day, AppointmentRow.status.in_(queue.SECTION_OF))
            .group_by(AppointmentRow.status)
        ).all()
    )
    return {
        section: sum(counted.get(status, 0) for status in statuses)
        for section, statuses in queue.STATUSES_OF.items()
    }


def _visits(
    session: Session,
    where: tuple,
    statuses: tuple[str, ...],
    order: tuple,
    offset: int,
    limit: int,
) -> list[dict[str, Any]]:
    rows = session.execute(
        select(AppointmentRow, OfferRow.key, OfferRow.name)
        .join(OfferRow, OfferRow.id == AppointmentRow.offer_id)
        .where(*where, AppointmentRow.status.in_(statuses))
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    ).all()
    return [_shown(row, key, name) for row, key, name in rows]


def _shown(row: AppointmentRow, service: str, service_name: str) -> dict[str, Any]:
    return {
        "appointment_id": row.id,
        "ticket": row.ticket,
        "ticket_label": queue.ticket_label(row.ticket) if row.ticket is not None else None,
        "status": row.status,
        "section": queue.section_of(row.status),
        "walk_in": row.walk_in,
        "service": service,
        "service_name": service_name,
        "start": iso(row.start_minute),
        "name": row.name or None,
        "checked_in_at": _iso(row.checked_in_at),
        "called_at": _iso(row.called_at),
        "called_desk": row.called_desk,
        "finished_at": _iso(row.finished_at),
        "allowed": lifecycle.allowed_actions(row.status, lifecycle.DESK_ACTIONS),
    }


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None


def _services_at(session: Session, location_id: int) -> list[dict[str, str]]:
    """The services a walk-in may take a ticket for here: those the location has desks for."""
    rows = session.execute(
        select(OfferRow.key, OfferRow.name)
        .join(CapacityRow, CapacityRow.offer_id == OfferRow.id)
        .where(CapacityRow.location_id == location_id, CapacityRow.desks > 0)
        .order_by(OfferRow.name)
    ).all()
    return [{"key": key, "name": name} for key, name in rows]
