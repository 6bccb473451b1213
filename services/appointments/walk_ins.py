"""Walk-ins: a citizen without an appointment takes a ticket at the desk and joins the day's
queue behind those who arrived before, with the wait the day's figures let expect.

A walk-in is a visit like a booked one (one list, one set of moves at the desk) that holds
no desk time: the booked slots stay as they were. It carries no name or address; the
ticket's number is all the hall's display and the desk need.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from services.appointments import lifecycle, tickets
from services.appointments.events import WalkInFinished, WalkInTicketIssued
from services.appointments.models import AppointmentRow
from services.appointments.opening import local_date_of, to_minute
from services.appointments.store import placement
from services.appointments.views import Booked
from services.common.database import Transaction
from services.common.events import publish
from services.common.idempotency import Keyed


def keyed(clerk: str, location: str, service: str, key: str | None) -> Keyed:
    """A ticket sent twice (a double click, a lost answer) with its key is one ticket."""
    return Keyed.of(f"clerk:{clerk}", "walk_in", key, {"location": location, "service": service})


def issue(tx: Transaction, location: str, service: str, now: datetime) -> AppointmentRow:
    """A ticket for `service` at `location`, in the queue from now."""
    place = placement(tx.session, service, location)
    arrived = to_minute(now)
    ticket = tickets.draw(tx.session, place.location_id, local_date_of(arrived))
    row = AppointmentRow(
        id=str(uuid.uuid4()),
        offer_id=place.offer_id,
        location_id=place.location_id,
        desk=0,
        desk_units=0,
        start_minute=arrived,
        end_minute=arrived + place.offer.duration_units * place.location.slot_minutes,
        status=lifecycle.CHECKED_IN,
        name="",
        email="",
        email_key="",
        language="de",
        created_at=now,
        checked_in_at=now,
        sequence=0,
        walk_in=True,
        ticket=ticket,
    )
    tx.session.add(row)
    publish(
        tx,
        WalkInTicketIssued(
            appointment_id=row.id,
            service=service,
            location=location,
            ticket=ticket,
            issued_at=now,
        ),
    )
    tickets.tell_the_desks(tx, row)
    return row


def tell_finished(tx: Transaction, booked: Booked) -> None:
    row = booked.row
    # a walk-in has its ticket and check-in from the start, and the desk stamped its end
    assert row.ticket is not None and row.checked_in_at is not None
    assert row.finished_at is not None
    publish(
        tx,
        WalkInFinished(
            appointment_id=row.id,
            service=booked.offer.key,
            location=booked.location.key,
            ticket=row.ticket,
            issued_at=row.checked_in_at,
            outcome=row.status,
            finished_at=row.finished_at,
        ),
    )


def answer(row: AppointmentRow) -> dict[str, Any]:
    return {"appointment_id": row.id, "ticket": row.ticket}
