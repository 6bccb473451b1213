"""Free slots of a service at one or every location over a range of local dates.

The answer is compact, since a quarter of a year at ten locations holds tens of thousands
of slots: per location and local day, the start times and the places free at each. A
day keeps one UTC offset; on the days the clocks change its slots are split by offset,
so "02:30" in the hour October repeats is never ambiguous.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from services.appointments.catalogue import MINUTES_PER_DAY
from services.appointments.errors import DateInPast, RangeTooLong
from services.appointments.opening import day_bounds, local_date_of, to_local, to_minute
from services.appointments.settings import AppointmentSettings
from services.appointments.slots import Slot, free_slots
from services.appointments.store import placements, taken_desk_time
from services.common.database import Transaction

_CLOCK = [f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(MINUTES_PER_DAY)]


def availability(
    tx: Transaction,
    service: str,
    first: date,
    last: date,
    location: str | None,
    settings: AppointmentSettings,
    now: datetime,
) -> dict[str, Any]:
    days = (last - first).days + 1
    if days > settings.max_range_days:
        raise RangeTooLong(
            f"Ask for at most {settings.max_range_days} days at once.",
            {"max_days": settings.max_range_days},
        )
    now_minute = to_minute(now)
    if last < local_date_of(now_minute):
        raise DateInPast("Those days have passed.")
    places = placements(tx.session, service, location)
    first_minute, _ = day_bounds(first)
    # a booking's buffer may reach past midnight into the next day's first minutes
    _, last_minute = day_bounds(last + timedelta(days=1))
    now_seconds = int(now.timestamp())
    return {
        "service": service,
        "date_from": first.isoformat(),
        "date_to": last.isoformat(),
        "locations": [
            {
                "location": place.location.key,
                "duration_minutes": place.offer.duration_units * place.location.slot_minutes,
                "days": local_days(
                    free_slots(
                        place.location,
                        place.offer,
                        place.capacity,
                        first,
                        last,
                        taken_desk_time(
                            tx.session,
                            place.offer_id,
                            place.location_id,
                            first_minute,
                            last_minute,
                            now_seconds,
                        ),
                        now,
                    )
                ),
            }
            for place in places
        ],
    }


def local_days(slots: list[Slot]) -> list[dict[str, Any]]:
    """Slots (sorted) grouped by local date and UTC offset, times as HH:MM."""
    grouped: list[dict[str, Any]] = []
    same_offset_from = same_offset_until = 0
    offset = 0
    times: list[str] = []
    places: list[int] = []
    for start, free in slots:
        if not same_offset_from <= start < same_offset_until:
            local = to_local(start)
            offset = _minutes_east(local)
            day_start, day_end = day_bounds(local.date())
            if _offset_of(day_start) == _offset_of(day_end - 1) == offset:
                same_offset_from, same_offset_until = day_start, day_end
            else:  # the clocks change today: look at each slot
                same_offset_from, same_offset_until = start, start + 1
            day, zone = local.date().isoformat(), _utc_offset(offset)
            if not grouped or (grouped[-1]["date"], grouped[-1]["utc_offset"]) != (day, zone):
                times, places = [], []
                grouped.append({"date": day, "utc_offset": zone, "times": times, "free": places})
        times.append(_CLOCK[(start + offset) % MINUTES_PER_DAY])
        places.append(free)
    return grouped


def _offset_of(minute: int) -> int:
    return _minutes_east(to_local(minute))


def _minutes_east(local: datetime) -> int:
    offset = local.utcoffset()
    assert offset is not None, "to_local's times carry the office's time zone"
    return int(offset.total_seconds()) // 60


def _utc_offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
