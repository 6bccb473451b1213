"""The open slots of each day kept per service and location, so availability need not read
every desk minute of a quarter of a year and count them again on each query.

A day's row holds what the bookings leave open: the desk time that stays until the
booking is cancelled (`free_after` NULL). Holds and cancelled bookings in their re-booking
delay count only until a moment passes, so they are not in it: availability reads those
few rows as they are now, and computes each day they touch in full, as it computes a day
without a row. So a row never has to change because time passes, and the answer is the
one the full computation gives.

Whatever changes bookings' desk time (confirming, cancelling, rescheduling) rewrites the
days it touches in its own transaction: after locking the service at the location for
share (a catalogue change holds it exclusively while it rewrites its days) and the days'
rows, it reads the desk time anew, so two bookings on one day never leave a row that
misses the other. A catalogue change rewrites the days of the booking window; days that
come into the window later are filled by the sweep (`fill`), and until then computed.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from services.appointments.models import CapacityRow, FreeDay
from services.appointments.opening import day_bounds, days, local_date_of
from services.appointments.slot_days import local_days
from services.appointments.slots import Slot, open_slots
from services.appointments.store import Placement, booked_desk_time, placement_of
from services.common.database import fetch_plain, insert_ignoring_duplicates

Span = tuple[int, int]  # an appointment's first desk minute and how many it holds
Groups = list[list[Any]]  # [utc_offset, times, free] per UTC offset of a day


@dataclass(frozen=True)
class Kept:
    """A day as kept: its groups of slots, its first start, and its starts (JSON)."""

    slots: str
    first_start: int | None
    starts: str


_TABLE = FreeDay.__table__
_EMPTY = Kept("[]", None, "[]")


def reach_back(place: Placement) -> int:
    """How many minutes before a taken minute a start it blocks may lie."""
    units = place.offer.duration_units + place.location.buffer_units
    return (units - 1) * place.location.slot_minutes


def days_touched(place: Placement, first_minute: int, last_minute: int) -> Iterator[date]:
    """The local dates whose starts desk minutes from first to last (inclusive) can block."""
    return days(local_date_of(first_minute - reach_back(place)), local_date_of(last_minute))


# reading ----------------------------------------------------------------------------------


def stored(
    session: Session, offer_id: int, location_ids: list[int], first: date, last: date
) -> dict[tuple[int, str], Kept]:
    """(location id, ISO date) -> the day as kept, for the days that have a row."""
    rows = fetch_plain(
        session,
        select(
            FreeDay.location_id, FreeDay.day, FreeDay.slots, FreeDay.first_start, FreeDay.starts
        ).where(
            FreeDay.offer_id == offer_id,
            FreeDay.location_id.in_(location_ids),
            FreeDay.day.between(first.isoformat(), last.isoformat()),
        ),
    )
    return {(row[0], row[1]): Kept(row[2], row[3], row[4]) for row in rows}


def bookable(day: str, kept: Kept, earliest: int) -> list[dict[str, Any]]:
    """A kept day as availability answers it: only the starts from `earliest` on."""
    if kept.first_start is None:
        return []
    groups = json.loads(kept.slots)
    if kept.first_start >= earliest:
        return [
            {"date": day, "utc_offset": utc_offset, "times": times, "free": free}
            for utc_offset, times, free in groups
        ]
    answered = []
    for (utc_offset, times, free), starts in zip(groups, json.loads(kept.starts), strict=True):
        if starts[-1] < earliest:
            continue
        cut = bisect_left(starts, earliest)
        answered.append(
            {"date": day, "utc_offset": utc_offset, "times": times[cut:], "free": free[cut:]}
        )
    return answered


# computing --------------------------------------------------------------------------------


def computed(session: Session, place: Placement, first: date, last: date) -> dict[str, Kept]:
    """ISO date -> the day as kept, for every day from first to last."""
    first_minute, _ = day_bounds(first)
    # a booking's buffer may reach past midnight into the next day's first minutes
    _, last_minute = day_bounds(last + timedelta(days=1))
    taken = booked_desk_time(session, place.offer_id, place.location_id, first_minute, last_minute)
    slots = open_slots(place.location, place.offer, place.capacity, first, last, taken)
    kept = {day.isoformat(): _EMPTY for day in days(first, last)}
    for day, (groups, starts) in _groups(slots).items():
        kept[day] = Kept(_json(groups), starts[0][0], _json(starts))
    return kept


def _groups(slots: list[Slot]) -> dict[str, tuple[Groups, list[list[int]]]]:
    """ISO date -> its slots grouped as availability answers them, and their starts."""
    position = 0
    by_day: dict[str, tuple[Groups, list[list[int]]]] = {}
    for group in local_days(slots):
        count = len(group["times"])
        starts = [start for start, _ in slots[position : position + count]]
        position += count
        groups, starts_of = by_day.setdefault(group["date"], ([], []))
        groups.append([group["utc_offset"], group["times"], group["free"]])
        starts_of.append(starts)
    return by_day


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _runs(dates: list[date]) -> Iterator[tuple[date, date]]:
    """Sorted dates as runs of consecutive days: (first, last) each."""
    first = previous = dates[0]
    for day in dates[1:]:
        if day != previous + timedelta(days=1):
            yield first, previous
            first = day
        previous = day
    yield first, previous


# writing ----------------------------------------------------------------------------------


def refresh(session: Session, offer_id: int, location_id: int, spans: Iterable[Span]) -> None:
    """Rewrite the days an appointment's desk time touches (its old and new place when it
    moves), after the change to the desk time, in the same transaction."""
    place = placement_of(session, offer_id, location_id, lock="share")
    slot = place.location.slot_minutes
    touched = sorted(
        {
            day
            for start, units in spans
            for day in days_touched(place, start, start + (units - 1) * slot)
        }
    )
    if not touched:
        return
    same_place = (FreeDay.location_id == location_id, FreeDay.offer_id == offer_id)
    session.execute(
        insert_ignoring_duplicates(session, _TABLE),
        [_row(place, day.isoformat(), _EMPTY) for day in touched],
    )
    session.execute(
        select(FreeDay.day)
        .where(*same_place, FreeDay.day.in_([day.isoformat() for day in touched]))
        .order_by(FreeDay.day)
        .with_for_update()
    )
    rewritten = [
        {"b_day": day, "b_slots": kept.slots, "b_first": kept.first_start, "b_starts": kept.starts}
        for first, last in _runs(touched)
        for day, kept in computed(session, place, first, last).items()
    ]
    session.execute(
        update(_TABLE)
        .where(
            _TABLE.c.location_id == location_id,
            _TABLE.c.offer_id == offer_id,
            _TABLE.c.day == bindparam("b_day"),
        )
        .values(
            slots=bindparam("b_slots"),
            first_start=bindparam("b_first"),
            starts=bindparam("b_starts"),
        ),
        rewritten,
    )


def rebuild(
    session: Session, today: date, *, offer_id: int | None = None, location_id: int | None = None
) -> None:
    """After a catalogue change: every day of the booking window anew, for the service, the
    location, or the one service at the location given."""
    query = select(CapacityRow.offer_id, CapacityRow.location_id).order_by(
        CapacityRow.location_id, CapacityRow.offer_id
    )
    if offer_id is not None:
        query = query.where(CapacityRow.offer_id == offer_id)
    if location_id is not None:
        query = query.where(CapacityRow.location_id == location_id)
    for offer, location in session.execute(query).all():
        place = placement_of(session, offer, location, lock="update")
        session.execute(
            delete(FreeDay).where(FreeDay.location_id == location, FreeDay.offer_id == offer)
        )
        _insert(session, place, computed(session, place, *_window(place, today)))


def placed(session: Session) -> list[tuple[int, int]]:
    """(offer id, location id) of every service where it is offered."""
    return [
        (offer, location)
        for offer, location in session.execute(
            select(CapacityRow.offer_id, CapacityRow.location_id)
        ).all()
    ]


def fill(session: Session, today: date) -> int:
    """Write the days of each booking window that have no row yet (they came into the
    window since it was written); how many were written."""
    written = 0
    for offer, location in session.execute(
        select(CapacityRow.offer_id, CapacityRow.location_id)
    ).all():
        place = placement_of(session, offer, location, lock="none")
        first, last = _window(place, today)
        wanted = {day.isoformat(): day for day in days(first, last)}
        present = set(
            session.scalars(
                select(FreeDay.day).where(
                    FreeDay.location_id == location,
                    FreeDay.offer_id == offer,
                    FreeDay.day.between(first.isoformat(), last.isoformat()),
                )
            )
        )
        missing = sorted(day for key, day in wanted.items() if key not in present)
        if not missing:
            continue
        # the catalogue may not change under what is written
        place = placement_of(session, offer, location, lock="share")
        for run_first, run_last in _runs(missing):
            rows = computed(session, place, run_first, run_last)
            written += _insert(session, place, rows, ignoring_duplicates=True)
    return written


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(FreeDay)) or 0


def _window(place: Placement, today: date) -> tuple[date, date]:
    return today, today + timedelta(days=place.location.max_days_ahead)


def _insert(
    session: Session, place: Placement, rows: dict[str, Kept], *, ignoring_duplicates=False
) -> int:
    if not rows:
        return 0
    statement = (
        insert_ignoring_duplicates(session, _TABLE) if ignoring_duplicates else _TABLE.insert()
    )
    session.execute(statement, [_row(place, day, kept) for day, kept in rows.items()])
    return len(rows)


def _row(place: Placement, day: str, kept: Kept) -> dict[str, Any]:
    return {
        "location_id": place.location_id,
        "offer_id": place.offer_id,
        "day": day,
        "slots": kept.slots,
        "first_start": kept.first_start,
        "starts": kept.starts,
    }
