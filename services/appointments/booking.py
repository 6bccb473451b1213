"""Booking: hold a slot, confirm it by the e-mailed link, cancel, reschedule, expire.

The database decides who gets a place. Each slot minute of each desk is one row of
`desk_time` with a unique key: two bookings for the same place both try to insert it
and only one succeeds, on SQLite and on PostgreSQL alike, whatever the concurrency. A
hold's rows carry its expiry and a cancelled booking's rows the end of the re-booking
delay in `free_after`; past that time a booking may delete and take them.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.orm import Session

from services.appointments import free_days, lifecycle, views
from services.appointments.errors import (
    HoldExpired,
    InvalidLink,
    SlotTaken,
    TooManyAppointments,
)
from services.appointments.events import (
    APPOINTMENT_CANCELLED,
    APPOINTMENT_CONFIRMED,
    APPOINTMENT_HELD,
    APPOINTMENT_HOLD_EXPIRED,
    APPOINTMENT_REMINDER_DUE,
    APPOINTMENT_RESCHEDULED,
)
from services.appointments.models import (
    AppointmentRow,
    DeskTime,
    FairnessLock,
    ManageLinkRow,
    SpentChallenge,
)
from services.appointments.opening import to_minute
from services.appointments.settings import AppointmentSettings
from services.appointments.slots import (
    appointment_end,
    check_bookable,
    has_begun,
    minutes_taken,
)
from services.appointments.store import Placement, placement, taken_desk_time
from services.appointments.views import Booked
from services.common import challenges
from services.common.database import Transaction, insert_ignoring_duplicates
from services.common.idempotency import Keyed
from services.common.transitions import refusal


@dataclass(frozen=True)
class HoldRequest:
    service: str
    location: str
    start: datetime
    email: str
    name: str
    language: str
    citizen: str | None = None
    challenge: str | None = None


def new_token() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hold_keyed(data: dict[str, Any], citizen: str | None, key: str | None) -> Keyed:
    """A hold's idempotency key is the signed-in citizen's; without an account, it belongs
    to the address the hold is mailed to. A retry may bring a proof of work solved anew."""
    caller = f"citizen:{citizen}" if citizen else f"email:{data['email'].strip().lower()}"
    asked = {name: value for name, value in data.items() if name != "challenge"}
    return Keyed.of(caller, "hold", key, asked)


def hold(
    tx: Transaction, request: HoldRequest, settings: AppointmentSettings, now: datetime
) -> Booked:
    session = tx.session
    place = placement(session, request.service, request.location)
    start = to_minute(request.start)
    check_bookable(place.location, place.offer, start, now)
    spend_challenge(session, request.challenge, now)
    email_key = request.email.strip().lower()
    enforce_limit(session, email_key, request.citizen, settings.max_active_per_citizen, now)
    appointment_id = str(uuid.uuid4())
    expires = now + timedelta(seconds=settings.hold_seconds)
    minutes = minutes_taken(place.location, place.offer, start)
    desk = take_desk(session, place, minutes, appointment_id, int(expires.timestamp()), now)
    token = new_token()
    row = AppointmentRow(
        id=appointment_id,
        offer_id=place.offer_id,
        location_id=place.location_id,
        desk=desk,
        desk_units=len(minutes),
        start_minute=start,
        end_minute=appointment_end(place.location, place.offer, start),
        status=lifecycle.HELD,
        name=request.name,
        email=request.email.strip(),
        email_key=email_key,
        language=request.language,
        citizen=request.citizen,
        confirmation_token_hash=digest(token),
        hold_expires_at=expires,
        created_at=now,
        sequence=0,
    )
    session.add(row)
    booked = Booked.load(session, row)
    tx.publish(
        APPOINTMENT_HELD,
        {
            **views.to_citizen(booked),
            "hold_expires_at": expires.isoformat(),
            "confirm_url": views.link(settings.portal_url, "confirm", token),
        },
    )
    return booked


def spend_challenge(session: Session, challenge: str | None, now: datetime) -> None:
    """A proof-of-work solution buys one booking; the gateway has checked it is valid."""
    challenges.spend(session, SpentChallenge, challenge, now)


def enforce_limit(
    session: Session, email_key: str, citizen: str | None, limit: int, now: datetime
) -> None:
    keys = sorted([f"email:{email_key}", *([f"citizen:{citizen}"] if citizen else [])])
    for key in keys:  # in one order, so two bookings never wait on each other in a circle
        session.execute(insert_ignoring_duplicates(session, FairnessLock.__table__), {"key": key})
        session.execute(select(FairnessLock.key).where(FairnessLock.key == key).with_for_update())
    same_citizen = AppointmentRow.email_key == email_key
    if citizen:
        same_citizen = or_(same_citizen, AppointmentRow.citizen == citizen)
    active = session.execute(
        select(func.count()).where(
            same_citizen,
            AppointmentRow.status.in_(lifecycle.ACTIVE),
            AppointmentRow.end_minute > to_minute(now),
            or_(AppointmentRow.status != lifecycle.HELD, AppointmentRow.hold_expires_at > now),
        )
    ).scalar_one()
    if active >= limit:
        raise TooManyAppointments(
            f"At most {limit} appointments may be booked at once; cancel one first.",
            {"limit": limit},
        )


def take_desk(
    session: Session,
    place: Placement,
    minutes: list[int],
    appointment_id: str,
    free_after: int | None,
    now: datetime,
) -> int:
    """Claim the minutes on the first desk that has them all; refuse when none has."""
    now_seconds = int(now.timestamp())
    taken = taken_desk_time(
        session, place.offer_id, place.location_id, minutes[0], minutes[-1], now_seconds
    )
    for desk in range(place.capacity.online_desks):
        if desk in taken:
            continue
        if _claim(session, place, desk, minutes, appointment_id, free_after, now_seconds):
            return desk
    raise SlotTaken(
        "Every place at that time is taken; choose another slot.",
        {"service": place.offer.key, "location": place.location.key},
    )


def _claim(
    session: Session,
    place: Placement,
    desk: int,
    minutes: list[int],
    appointment_id: str,
    free_after: int | None,
    now_seconds: int,
) -> bool:
    same_place = (
        DeskTime.location_id == place.location_id,
        DeskTime.offer_id == place.offer_id,
        DeskTime.desk == desk,
        DeskTime.minute.in_(minutes),
    )
    rows = [
        {
            "location_id": place.location_id,
            "offer_id": place.offer_id,
            "minute": minute,
            "desk": desk,
            "appointment_id": appointment_id,
            "free_after": free_after,
        }
        for minute in minutes
    ]
    savepoint = session.begin_nested()
    # lapsed holds and cancellations past their delay make way
    session.execute(
        delete(DeskTime).where(
            *same_place, DeskTime.free_after.is_not(None), DeskTime.free_after <= now_seconds
        )
    )
    # one statement: a concurrent winner's row makes it insert fewer, never fail
    statement = insert_ignoring_duplicates(session, DeskTime.__table__).values(rows)
    if cast(CursorResult, session.execute(statement)).rowcount == len(rows):
        savepoint.commit()
        return True
    savepoint.rollback()
    return False


def by_token(session: Session, column, token: str) -> AppointmentRow | None:
    return session.scalar(select(AppointmentRow).where(column == digest(token)).with_for_update())


def confirm(tx: Transaction, token: str, settings: AppointmentSettings, now: datetime) -> Booked:
    row = by_token(tx.session, AppointmentRow.confirmation_token_hash, token)
    if row is None or row.status not in (lifecycle.HELD, lifecycle.HOLD_EXPIRED):
        raise InvalidLink(_INVALID_LINK)
    return confirm_held(tx, row, settings, now)


def confirm_held(
    tx: Transaction, row: AppointmentRow, settings: AppointmentSettings, now: datetime
) -> Booked:
    lapsed = False
    if row.status == lifecycle.HELD:
        assert row.hold_expires_at is not None, "a held appointment is held until a moment"
        lapsed = row.hold_expires_at <= now
    if lapsed or row.status == lifecycle.HOLD_EXPIRED:
        raise HoldExpired("The hold has expired; please book the appointment again.")
    row.status = lifecycle.next_status(row.status, "confirm")
    released = tx.session.execute(
        update(DeskTime)
        .where(DeskTime.appointment_id == row.id, DeskTime.free_after.is_not(None))
        .values(free_after=None)
    )
    kept = cast(CursorResult, released).rowcount
    if kept != row.desk_units:  # the hold ran out while this request was on its way
        raise HoldExpired("The hold has expired; please book the appointment again.")
    free_days.refresh(tx.session, row.offer_id, row.location_id, [_span(row)])
    row.confirmation_token_hash = None
    row.confirmed_at = now
    manage_url = new_manage_link(tx.session, row, settings, now)
    booked = Booked.load(tx.session, row)
    tx.publish(APPOINTMENT_CONFIRMED, views.with_calendar(booked, manage_url))
    return booked


_INVALID_LINK = "This link is not valid (any more)."


def new_manage_link(
    session: Session, row: AppointmentRow, settings: AppointmentSettings, now: datetime
) -> str:
    """A further manage link for the appointment's next mail; the earlier ones keep working."""
    token = new_token()
    session.add(ManageLinkRow(token_hash=digest(token), appointment_id=row.id, issued_at=now))
    return views.link(settings.portal_url, "manage", token)


def by_manage_token(session: Session, token: str) -> AppointmentRow:
    """The appointment a manage link was mailed for, as it is now, whichever mail it came in."""
    link = session.get(ManageLinkRow, digest(token))
    row = None
    if link is not None:
        row = session.get(AppointmentRow, link.appointment_id, with_for_update=True)
    if row is None:
        raise InvalidLink(_INVALID_LINK)
    return row


def cancel(
    tx: Transaction,
    row: AppointmentRow,
    settings: AppointmentSettings,
    now: datetime,
    *,
    by: str = "citizen",
) -> Booked:
    if has_begun(row.start_minute, now):
        raise refusal(
            "appointment",
            row.status,
            lifecycle.CANCELLED,
            message="The appointment has begun; it can no longer be cancelled.",
            status=row.status,
            action="cancel",
        )
    row.status = lifecycle.next_status(row.status, "cancel")
    row.cancelled_at = now
    # a held appointment's confirmation link dies with it; manage links go on showing it
    row.confirmation_token_hash = None
    row.sequence += 1
    release(tx.session, row.id, int(now.timestamp()) + settings.rebook_delay_seconds)
    free_days.refresh(tx.session, row.offer_id, row.location_id, [_span(row)])
    booked = Booked.load(tx.session, row)
    tx.publish(
        APPOINTMENT_CANCELLED,
        {
            **views.to_citizen(booked),
            "cancelled_by": by,
            "ics": views.calendar(booked, cancelled=True),
        },
    )
    return booked


def _span(row: AppointmentRow) -> free_days.Span:
    return row.start_minute, row.desk_units


def release(session: Session, appointment_id: str, free_after: int) -> None:
    session.execute(
        update(DeskTime)
        .where(DeskTime.appointment_id == appointment_id)
        .values(free_after=free_after)
    )


def reschedule(
    tx: Transaction,
    row: AppointmentRow,
    start_at: datetime,
    challenge: str | None,
    settings: AppointmentSettings,
    now: datetime,
) -> Booked:
    session = tx.session
    lifecycle.next_status(row.status, "reschedule")
    before = Booked.load(session, row)
    place = placement(session, before.offer.key, before.location.key)
    start = to_minute(start_at)
    check_bookable(place.location, place.offer, start, now)
    spend_challenge(session, challenge, now)
    now_seconds = int(now.timestamp())
    # the old place may be part of the new one; what stays unused waits out the delay
    release(session, row.id, now_seconds)
    minutes = minutes_taken(place.location, place.offer, start)
    previous = {
        "previous_start": views.iso(row.start_minute),
        "previous_end": views.iso(row.end_minute),
    }
    row.desk = take_desk(session, place, minutes, row.id, None, now)
    session.execute(
        update(DeskTime)
        .where(DeskTime.appointment_id == row.id, DeskTime.free_after == now_seconds)
        .values(free_after=now_seconds + settings.rebook_delay_seconds)
    )
    moved_from = _span(row)
    row.start_minute, row.end_minute = start, appointment_end(place.location, place.offer, start)
    row.desk_units = len(minutes)
    free_days.refresh(session, row.offer_id, row.location_id, [moved_from, _span(row)])
    row.sequence += 1
    row.reminder_sent_at = None
    manage_url = new_manage_link(session, row, settings, now)
    booked = Booked.load(session, row)
    tx.publish(APPOINTMENT_RESCHEDULED, {**views.with_calendar(booked, manage_url), **previous})
    return booked


def expire_holds(tx: Transaction, now: datetime, batch: int = 200) -> int:
    """Give the slots of unconfirmed holds back, once each, whichever instance gets there."""
    rows = tx.session.scalars(
        select(AppointmentRow)
        .where(AppointmentRow.status == lifecycle.HELD, AppointmentRow.hold_expires_at <= now)
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.status = lifecycle.next_status(row.status, "expire")
        tx.session.execute(
            delete(DeskTime).where(
                DeskTime.appointment_id == row.id, DeskTime.free_after.is_not(None)
            )
        )
        tx.publish(APPOINTMENT_HOLD_EXPIRED, views.to_citizen(Booked.load(tx.session, row)))
    return len(rows)


def send_reminders(
    tx: Transaction, settings: AppointmentSettings, now: datetime, batch: int = 200
) -> int:
    """Announce each confirmed appointment once, `reminder_before_hours` ahead of it."""
    due_by = to_minute(now + timedelta(hours=settings.reminder_before_hours))
    rows = tx.session.scalars(
        select(AppointmentRow)
        .where(
            AppointmentRow.status == lifecycle.CONFIRMED,
            AppointmentRow.reminder_sent_at.is_(None),
            AppointmentRow.start_minute <= due_by,
            AppointmentRow.start_minute > to_minute(now),
        )
        .limit(batch)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.reminder_sent_at = now
        booked = Booked.load(tx.session, row)
        # only a digest of the manage link's secret is kept: the confirmation's link stays valid
        tx.publish(APPOINTMENT_REMINDER_DUE, views.with_calendar(booked, None))
    return len(rows)


def of_citizen(session: Session, citizen: str) -> list[Booked]:
    rows = session.scalars(
        select(AppointmentRow)
        .where(AppointmentRow.citizen == citizen)
        .order_by(AppointmentRow.start_minute.desc())
    ).all()
    return [Booked.load(session, row) for row in rows]


def forget_spent_challenges(session: Session, before: datetime) -> None:
    challenges.forget_spent(session, SpentChallenge, before)
