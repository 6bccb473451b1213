"""Drawing the next ticket number of a location's day, and telling the desks of a move."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.appointments import queue
from services.appointments.events import DeskQueueChanged
from services.appointments.models import AppointmentRow, LocationRow, OfferRow, TicketCounter
from services.appointments.opening import local_date_of
from services.common.database import Transaction, insert_ignoring_duplicates
from services.common.events import publish


def draw(session: Session, location_id: int, day: date) -> int:
    """The next number of the day. The counter's row is locked until the transaction ends:
    a second desk drawing at the same moment waits and gets the number after."""
    session.execute(
        insert_ignoring_duplicates(session, TicketCounter.__table__).values(
            location_id=location_id, day=day.isoformat(), last=0
        )
    )
    counter = session.scalars(
        select(TicketCounter)
        .where(TicketCounter.location_id == location_id, TicketCounter.day == day.isoformat())
        .with_for_update()
    ).one()
    counter.last = queue.next_ticket(counter.last)
    return counter.last


def tell_the_desks(tx: Transaction, row: AppointmentRow) -> None:
    """The broadcast every desk's list and the hall's display follow (no name in it)."""
    place = tx.session.get_one(LocationRow, row.location_id)
    publish(
        tx,
        DeskQueueChanged(
            location=place.key,
            day=local_date_of(row.start_minute),
            appointment_id=row.id,
            ticket=row.ticket,
            status=row.status,
            desk=row.called_desk,
            walk_in=row.walk_in,
            service=tx.session.get_one(OfferRow, row.offer_id).key,
            department=place.department,  # the desks' streams of other departments skip it
        ),
    )
