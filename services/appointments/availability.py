"""Free slots of a service at one or every location over a range of local dates.

The answer is compact, since a quarter of a year at ten locations holds tens of thousands
of slots: per location and local day, the start times and the places free at each
(grouped by UTC offset: slot_days.py). Each day is read from what the bookings leave open
(free_days.py); a day that holds a hold or a cancellation in its re-booking delay, or has
no row yet, is computed in full from the desk time, as `availability_in_full` computes
every day. Both give the same answer.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from services.appointments import free_days
from services.appointments.errors import DateInPast, RangeTooLong
from services.appointments.opening import day_bounds, days, local_date_of, to_minute
from services.appointments.settings import AppointmentSettings
from services.appointments.slot_days import local_days
from services.appointments.slots import BookingWindow, free_slots
from services.appointments.store import (
    Placement,
    passing_desk_time,
    placements,
    taken_desk_time,
)
from services.common.database import Transaction

__all__ = ["availability", "availability_in_full", "local_days"]


def availability(
    tx: Transaction,
    service: str,
    first: date,
    last: date,
    location: str | None,
    settings: AppointmentSettings,
    now: datetime,
) -> dict[str, Any]:
    _check_range(first, last, settings, now)
    session = tx.session
    places = placements(session, service, location)
    if not places:
        return _answer(service, first, last, [])
    ids = [place.location_id for place in places]
    offer_id = places[0].offer_id
    kept = free_days.stored(session, offer_id, ids, first, last)
    now_seconds = int(now.timestamp())
    first_minute, last_minute = _minutes_read(first, last)
    passing = passing_desk_time(session, offer_id, ids, first_minute, last_minute, now_seconds)
    touched: set[tuple[int, str]] = set()
    by_id = {place.location_id: place for place in places}
    for location_id, minute in passing:
        touched.update(
            (location_id, day.isoformat())
            for day in free_days.days_touched(by_id[location_id], minute, minute)
        )

    def days_of(place: Placement) -> list[dict[str, Any]]:
        window = BookingWindow.of(place.location, now)
        answered: list[dict[str, Any]] = []
        run: list[date] = []  # days to compute in full, one after another
        for day in days(first, min(last, window.last_day)):
            key = (place.location_id, day.isoformat())
            groups = kept.get(key)
            if groups is None or key in touched:
                run.append(day)
                continue
            if run:
                answered += _in_full(tx, place, run[0], run[-1], now)
                run = []
            answered += free_days.bookable(key[1], groups, window.earliest)
        if run:
            answered += _in_full(tx, place, run[0], run[-1], now)
        return answered

    return _answer(service, first, last, [(place, days_of(place)) for place in places])


def availability_in_full(
    tx: Transaction,
    service: str,
    first: date,
    last: date,
    location: str | None,
    settings: AppointmentSettings,
    now: datetime,
) -> dict[str, Any]:
    """The same answer computed from every desk minute of the range, without the days kept."""
    _check_range(first, last, settings, now)
    places = placements(tx.session, service, location)
    return _answer(
        service, first, last, [(place, _in_full(tx, place, first, last, now)) for place in places]
    )


def _check_range(first: date, last: date, settings: AppointmentSettings, now: datetime) -> None:
    if (last - first).days + 1 > settings.max_range_days:
        raise RangeTooLong(
            f"Ask for at most {settings.max_range_days} days at once.",
            {"max_days": settings.max_range_days},
        )
    if last < local_date_of(to_minute(now)):
        raise DateInPast("Those days have passed.")


def _minutes_read(first: date, last: date) -> tuple[int, int]:
    """The desk minutes that can block a start from first to last: a booking's buffer may
    reach past midnight into the next day's first minutes."""
    first_minute, _ = day_bounds(first)
    _, last_minute = day_bounds(last + timedelta(days=1))
    return first_minute, last_minute


def _in_full(
    tx: Transaction, place: Placement, first: date, last: date, now: datetime
) -> list[dict[str, Any]]:
    first_minute, last_minute = _minutes_read(first, last)
    taken = taken_desk_time(
        tx.session,
        place.offer_id,
        place.location_id,
        first_minute,
        last_minute,
        int(now.timestamp()),
    )
    slots = free_slots(place.location, place.offer, place.capacity, first, last, taken, now)
    return local_days(slots)


def _answer(
    service: str, first: date, last: date, found: list[tuple[Placement, list[dict[str, Any]]]]
) -> dict[str, Any]:
    return {
        "service": service,
        "date_from": first.isoformat(),
        "date_to": last.isoformat(),
        "locations": [
            {
                "location": place.location.key,
                "duration_minutes": place.offer.duration_units * place.location.slot_minutes,
                "days": found_days,
            }
            for place, found_days in found
        ],
    }
