"""Booking and managing an appointment: by the citizen's mailed links or their account."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from services.appointments import booking, views
from services.appointments.booking import HoldRequest
from services.appointments.errors import NotYourAppointment
from services.appointments.models import AppointmentRow
from services.appointments.settings import AppointmentSettings
from services.common.business_metrics import count_booking
from services.common.clock import Clock
from services.common.database import Transaction, UnitOfWork
from services.common.idempotency import Once


@dataclass(frozen=True)
class Hold:
    """Hold a slot for a citizen until they confirm it; sent again with its key, it is the
    same hold."""

    request: HoldRequest
    idempotency_key: str | None = None


def hold(
    command: Hold, uow: UnitOfWork, clock: Clock, settings: AppointmentSettings
) -> dict[str, Any]:
    request = command.request
    asked = {name: value for name, value in asdict(request).items() if name != "citizen"}
    once = Once(
        uow.transaction,
        booking.hold_keyed(asked, request.citizen, command.idempotency_key),
        _held,
    )
    if (earlier := once.earlier()) is not None:
        return earlier
    held = once.make(lambda tx: booking.hold(tx, request, settings, clock()).row.id)
    count_booking("held")
    return held


def _held(tx: Transaction, appointment_id: str) -> dict[str, Any]:
    row = tx.session.get_one(AppointmentRow, appointment_id)
    return views.view(views.Booked.load(tx.session, row))


@dataclass(frozen=True)
class ConfirmByLink:
    """Confirm a hold with the token of the confirmation mail."""

    token: str


def confirm(
    command: ConfirmByLink, uow: UnitOfWork, clock: Clock, settings: AppointmentSettings
) -> dict[str, Any]:
    with uow.transaction() as tx:
        confirmed = booking.confirm(tx, command.token, settings, clock())
        answer = views.view(confirmed, with_calendar=True)
    count_booking("confirmed")
    return answer


@dataclass(frozen=True)
class ViewByLink:
    """The appointment a manage link was mailed for, as it is now."""

    token: str


def view_by_token(command: ViewByLink, uow: UnitOfWork) -> dict[str, Any]:
    with uow.transaction() as tx:
        row = booking.by_manage_token(tx.session, command.token)
        return views.view(views.Booked.load(tx.session, row), with_calendar=True)


@dataclass(frozen=True)
class CancelByLink:
    token: str


def cancel_by_token(
    command: CancelByLink, uow: UnitOfWork, clock: Clock, settings: AppointmentSettings
) -> dict[str, Any]:
    with uow.transaction() as tx:
        row = booking.by_manage_token(tx.session, command.token)
        answer = views.view(booking.cancel(tx, row, settings, clock()))
    count_booking("cancelled")
    return answer


@dataclass(frozen=True)
class RescheduleByLink:
    """Move the appointment a manage link is for to `start`, with a solved challenge."""

    token: str
    start: datetime
    challenge: str | None = None


def reschedule_by_token(
    command: RescheduleByLink, uow: UnitOfWork, clock: Clock, settings: AppointmentSettings
) -> dict[str, Any]:
    with uow.transaction() as tx:
        row = booking.by_manage_token(tx.session, command.token)
        moved = booking.reschedule(tx, row, command.start, command.challenge, settings, clock())
        return views.view(moved, with_calendar=True)


@dataclass(frozen=True)
class ListMine:
    """A signed-in citizen's appointments, the latest first."""

    citizen: str


def my_appointments(command: ListMine, uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow.transaction() as tx:
        return [views.view(booked) for booked in booking.of_citizen(tx.session, command.citizen)]


@dataclass(frozen=True)
class ConfirmMine:
    """A signed-in citizen confirms one of their holds."""

    citizen: str
    appointment_id: str


def confirm_mine(
    command: ConfirmMine, uow: UnitOfWork, clock: Clock, settings: AppointmentSettings
) -> dict[str, Any]:
    with uow.transaction() as tx:
        row = _mine(tx, command.citizen, command.appointment_id)
        answer = views.view(booking.confirm_held(tx, row, settings, clock()), with_calendar=True)
    count_booking("confirmed")
    return answer


@dataclass(frozen=True)
class CancelMine:
    """A signed-in citizen cancels one of their appointments."""

    citizen: str
    appointment_id: str


def cancel_mine(
    command: CancelMine, uow: UnitOfWork, clock: Clock, settings: AppointmentSettings
) -> dict[str, Any]:
    with uow.transaction() as tx:
        row = _mine(tx, command.citizen, command.appointment_id)
        answer = views.view(booking.cancel(tx, row, settings, clock()))
    count_booking("cancelled")
    return answer


def _mine(tx: Transaction, citizen: str, appointment_id: str) -> AppointmentRow:
    """The citizen's appointment, locked; another's is answered as one that does not exist."""
    row = tx.session.get(AppointmentRow, appointment_id, with_for_update=True)
    if row is None or row.citizen != citizen:
        raise NotYourAppointment("You have no appointment with that id.")
    return row
