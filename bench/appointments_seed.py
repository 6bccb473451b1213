"""A believable office for the appointments bench, and 50,000 bookings seeded in bulk.

Ten Bürgerbüros open Monday to Friday 08:00-18:00 (15-minute slots, no buffer), each with
12 desks of which 10 take online bookings, all offering the ID card (2 slots, 30 minutes).
The catalogue goes in through the service's own use cases (`catalogue_admin`, with its
input schemas); the bookings go straight into `appointments` and `desk_time`, the rows
`booking.hold` and `booking.confirm` leave behind: status confirmed, one desk_time row per
slot minute with `free_after` NULL; then each day's open slots (`free_days`) are written.
They are spread at random (a fixed seed) over the working days from tomorrow to the end of
the 90-day window, never two on one desk minute.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from services.appointments import catalogue_admin, free_days, lifecycle
from services.appointments.catalogue import Location
from services.appointments.models import (
    AppointmentRow,
    DeskTime,
    LocationRow,
    ManageLinkRow,
    OfferRow,
)
from services.appointments.opening import days, opening_periods, to_minute
from services.appointments.schemas import CapacityInput, LocationInput, OfferInput
from services.appointments.slots import minutes_taken, slot_starts
from services.appointments.store import location_of, offer_of
from services.common.database import Transaction
from services.common.engine import create_service_engine
from services.common.loading import load

SERVICE = "id-card"
DISTRICTS = (
    "mitte",
    "nord",
    "sued",
    "ost",
    "west",
    "altstadt",
    "hafen",
    "bahnhof",
    "am-markt",
    "neustadt",
)
DESKS, ONLINE_DESKS = 12, 10
WINDOW_DAYS = 90  # the availability query asks for today and the 89 days after it
MAX_DAYS_AHEAD = 120  # leaves room for the burst's day just past the window
CHUNK = 5000  # rows per INSERT batch

ID_CARD = {"name": "Personalausweis", "duration_units": 2, "documents": ["Altes Dokument"]}


def location_input(district: str) -> dict:
    return {
        "name": f"Bürgerbüro {district.replace('-', ' ').title()}",
        "address": f"Rathausplatz {DISTRICTS.index(district) + 1}, 59494 Soest",
        "slot_minutes": 15,
        "buffer_units": 0,
        "min_notice_minutes": 60,
        "max_days_ahead": MAX_DAYS_AHEAD,
        "opening_hours": [{"weekdays": [1, 2, 3, 4, 5], "start": "08:00", "end": "18:00"}],
    }


def put_catalogue(url: str, now: datetime) -> None:
    """The offer, the ten locations and their capacities, as a clerk's RPCs would put them."""
    engine = create_service_engine(url)
    try:
        with sessionmaker(engine)() as session, session.begin():
            tx = Transaction(session, "appointments", None)
            catalogue_admin.put_offer(tx, SERVICE, load(OfferInput, ID_CARD))
            for district in DISTRICTS:
                catalogue_admin.put_location(
                    tx, district, load(LocationInput, location_input(district)), now
                )
            session.flush()
            capacity = load(CapacityInput, {"desks": DESKS, "online_desks": ONLINE_DESKS})
            for district in DISTRICTS:
                catalogue_admin.put_capacity(tx, district, SERVICE, capacity)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Seeded:
    bookings: int
    desk_rows: int
    working_days: int
    seconds: float

    @property
    def occupancy(self) -> float:
        """The share of online desk time in the window taken by the seeded bookings."""
        return self.desk_rows / (self.working_days * len(DISTRICTS) * ONLINE_DESKS * 40)


def working_days(location: Location, first: date, last: date) -> list[date]:
    """The dates from `first` to `last` on which `location` opens (holidays are closed)."""
    return [day for day in days(first, last) if opening_periods(location, day)]


def seed_bookings(url: str, bookings: int, today: date, now: datetime, seed: int = 7) -> Seeded:
    """`bookings` confirmed appointments of the ID card, in two bulk inserts."""
    started = time.perf_counter()
    engine = create_service_engine(url)
    try:
        with sessionmaker(engine)() as session, session.begin():
            offer_row = session.scalar(select(OfferRow).where(OfferRow.key == SERVICE))
            locations = session.scalars(select(LocationRow).order_by(LocationRow.key)).all()
            offer = offer_of(offer_row)
            open_days = working_days(
                location_of(locations[0]),
                today + timedelta(days=1),
                today + timedelta(days=WINDOW_DAYS - 1),
            )
            appointments, desk_rows = _plan(
                offer_row.id, offer, locations, open_days, bookings, now, random.Random(seed)
            )
            _insert(session, AppointmentRow.__table__, appointments)
            _insert(session, ManageLinkRow.__table__, [_link(a) for a in appointments])
            _insert(session, DeskTime.__table__, desk_rows)
            # the rows bypass booking.py: each day's open slots are written anew, as the
            # migration that brought them in writes them for the bookings there are
            free_days.rebuild(session, today)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # what autovacuum does soon after a bulk load: the planner learns the sizes and
            # PostgreSQL marks the pages all-visible, so index-only scans need no heap visit
            vacuum = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
            connection.exec_driver_sql(vacuum)
        with sessionmaker(engine)() as session:
            counted = session.scalar(select(func.count()).select_from(DeskTime))
    finally:
        engine.dispose()
    if counted != len(desk_rows):
        raise RuntimeError(f"seeded {len(desk_rows)} desk_time rows, found {counted}")
    return Seeded(len(appointments), len(desk_rows), len(open_days), time.perf_counter() - started)


def _plan(
    offer_id: int,
    offer,
    locations,
    days: list[date],
    bookings: int,
    now: datetime,
    rng: random.Random,
) -> tuple[list[dict], list[dict]]:
    places = [(row.id, location_of(row)) for row in locations]
    # one lane per location, day and online desk; the starts of a day are the same everywhere
    starts = {day: list(slot_starts(places[0][1], offer, day)) for day in days}
    lanes = [
        (location_id, location, day, desk)
        for location_id, location in places
        for day in days
        for desk in range(ONLINE_DESKS)
    ]
    taken: set[tuple[int, int, int]] = set()  # (location id, desk, minute)
    appointments: list[dict] = []
    desk_rows: list[dict] = []
    reminded_by = to_minute(now + timedelta(hours=25))
    while len(appointments) < bookings:
        location_id, location, day, desk = rng.choice(lanes)
        start = rng.choice(starts[day])
        minutes = minutes_taken(location, offer, start)
        if any((location_id, desk, minute) in taken for minute in minutes):
            continue
        taken.update((location_id, desk, minute) for minute in minutes)
        number = len(appointments)
        appointment_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        created = now - timedelta(minutes=rng.randrange(60, 60 * 24 * 30))
        email = f"buerger{number}@example.org"
        appointments.append(
            {
                "id": appointment_id,
                "offer_id": offer_id,
                "location_id": location_id,
                "desk": desk,
                "desk_units": len(minutes),
                "start_minute": start,
                "end_minute": start + offer.duration_units * location.slot_minutes,
                "status": lifecycle.CONFIRMED,
                "name": f"Bürger {number}",
                "email": email,
                "email_key": email,
                "language": "de",
                "citizen": None,
                "confirmation_token_hash": None,
                "hold_expires_at": created + timedelta(minutes=10),
                "created_at": created,
                "confirmed_at": created + timedelta(minutes=3),
                "cancelled_at": None,
                "checked_in_at": None,
                "called_at": None,
                "finished_at": None,
                # the sweep would have sent these already: keep it from doing so mid-bench
                "reminder_sent_at": now if start <= reminded_by else None,
                "sequence": 0,
            }
        )
        desk_rows.extend(
            {
                "location_id": location_id,
                "offer_id": offer_id,
                "minute": minute,
                "desk": desk,
                "appointment_id": appointment_id,
                "free_after": None,
            }
            for minute in minutes
        )
    return appointments, desk_rows


def _link(appointment: dict) -> dict:
    """The manage link its confirmation mailed (the secret is the id: nobody mails it)."""
    return {
        "token_hash": hashlib.sha256(appointment["id"].encode()).hexdigest(),
        "appointment_id": appointment["id"],
        "issued_at": appointment["confirmed_at"],
    }


def _insert(session: Session, table, rows: list[dict]) -> None:
    for first in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[first : first + CHUNK])
