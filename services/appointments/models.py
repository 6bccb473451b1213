"""The appointments service's tables.

Instants of the slot grid (appointment start and end, desk time) are whole minutes since
the Unix epoch, UTC: integers compare the same on SQLite and PostgreSQL and need no time
zone. Every other instant is an aware UTC datetime.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.challenges import SpentChallengeColumns
from services.common.tables import NAMING_CONVENTION, UtcDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OfferRow(Base):
    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    duration_units: Mapped[int]
    documents: Mapped[list[str]] = mapped_column(JSON)


class LocationRow(Base):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500))
    slot_minutes: Mapped[int]
    buffer_units: Mapped[int]
    min_notice_minutes: Mapped[int]
    max_days_ahead: Mapped[int]
    # replaced as a whole when the location is saved: [{weekdays, start, end, ...}]
    opening_hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    closed_dates: Mapped[list[str]] = mapped_column(JSON)
    # the department whose clerks work its desks; None: every clerk of the office
    department: Mapped[str | None] = mapped_column(String(50), default=None)


class CapacityRow(Base):
    __tablename__ = "capacities"

    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), primary_key=True)
    desks: Mapped[int]
    online_desks: Mapped[int]


class AppointmentRow(Base):
    __tablename__ = "appointments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    desk: Mapped[int]
    # how many desk_time rows it holds (its slots and the buffer after them)
    desk_units: Mapped[int]
    start_minute: Mapped[int] = mapped_column(BigInteger)
    end_minute: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    # the address as compared for the per-citizen limit: trimmed, lower case
    email_key: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2))
    citizen: Mapped[str | None] = mapped_column(String(200))
    # SHA-256 of the secret in the e-mailed confirmation link; the secret is not stored
    # (the manage links, one per mail, are ManageLinkRow)
    confirmation_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # the iCalendar SEQUENCE: calendars replace an event only by a higher one
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # came without a booking: no desk time, no name or address; a ticket from the desk
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    # the number in the day's queue (queue.py), given at check-in or to a walk-in
    ticket: Mapped[int | None] = mapped_column(Integer)
    # the desk (counted from 1 at the location) that called the visit last
    called_desk: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_appointments_location_start", "location_id", "start_minute"),
        Index("ix_appointments_status_start", "status", "start_minute"),
        # the desk's list: one part (a status) of a location's day, in the order of the day
        Index("ix_appointments_location_status_start", "location_id", "status", "start_minute"),
        Index("ix_appointments_email_key", "email_key", "status"),
        Index("ix_appointments_citizen", "citizen", "status"),
    )


class TicketCounter(Base):
    """The last ticket number given at a location on a day: locked while the next is drawn,
    so that two desks never give the same number."""

    __tablename__ = "ticket_counters"

    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class ManageLinkRow(Base):
    """A manage link mailed for an appointment (on confirming, on each rescheduling).

    Every link mailed stays the appointment's for its whole life: a citizen holding an
    older mail still reaches the appointment as it is now. Only the secret's SHA-256 is kept.
    """

    __tablename__ = "manage_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    appointment_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("appointments.id"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DeskTime(Base):
    """One slot of one desk taken: the database's unique key is what stops double booking."""

    __tablename__ = "desk_time"

    location_id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(primary_key=True)
    minute: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    desk: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[str] = mapped_column(String(36))
    # epoch seconds after which the row no longer counts (a hold's expiry, the end of a
    # cancelled booking's re-booking delay); NULL while it is a booking
    free_after: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        Index("ix_desk_time_appointment", "appointment_id"),
        # availability reads a quarter of a year of one location's rows: kept in key order
        # they are one sequential range (SQLite: the table is its key; PostgreSQL: an
        # index that holds what the read needs)
        Index(
            "ix_desk_time_free",
            "location_id",
            "offer_id",
            "minute",
            postgresql_include=["desk", "free_after"],
        ).ddl_if(dialect="postgresql"),
        # availability reads the few rows that pass with time (holds, cancellations in
        # their re-booking delay) apart from the bookings its summary holds (FreeDay)
        Index(
            "ix_desk_time_passing",
            "location_id",
            "offer_id",
            "minute",
            sqlite_where=text("free_after IS NOT NULL"),
            postgresql_where=text("free_after IS NOT NULL"),
            postgresql_include=["free_after"],
        ),
        {"sqlite_with_rowid": False},
    )


class FreeDay(Base):
    """The open slots of a service at a location on one local date, as the bookings leave
    them (free_days.py): what availability reads instead of every desk minute.

    `slots` is JSON, a list of [utc_offset, times (HH:MM), free] per UTC offset of the day
    (two on the days the clocks change), slots with no place free left out; `starts` the
    same slots' starts (epoch minutes), read only on a day whose first start is too soon to
    book. Every change to bookings' desk time or to the catalogue rewrites the days it
    touches in its own transaction.
    """

    __tablename__ = "free_days"

    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"), primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # ISO local date
    slots: Mapped[str] = mapped_column(Text)
    first_start: Mapped[int | None] = mapped_column(BigInteger)  # None: no slot free
    starts: Mapped[str] = mapped_column(Text)


class FairnessLock(Base):
    """A row per citizen (e-mail or account) that booking locks, so limits hold under races."""

    __tablename__ = "fairness_locks"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)


class SpentChallenge(SpentChallengeColumns, Base):
    """Proof-of-work solutions already used: each buys one booking."""
