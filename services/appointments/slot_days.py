"""Slots grouped by local date and UTC offset, as availability answers them.

A day keeps one UTC offset; on the days the clocks change its slots are split by offset,
so "02:30" in the hour October repeats is never ambiguous.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.appointments.catalogue import MINUTES_PER_DAY
from services.appointments.opening import day_bounds, to_local
from services.appointments.slots import Slot

_CLOCK = [f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(MINUTES_PER_DAY)]


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
