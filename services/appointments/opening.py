"""When a location is open: its rules, minus closed dates and NRW's public holidays, in UTC.

Opening hours are local (Europe/Berlin) and turned into UTC instants per day, so a day in
which the clocks change has 23 or 25 hours and a 09:00 opening stays at 09:00 local time.
Instants are whole minutes since the Unix epoch.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import holidays

from services.appointments.catalogue import MINUTES_PER_DAY, Location
from services.common.local_time import OFFICE_TIMEZONE

Period = tuple[int, int]  # [start, end) in epoch minutes


@functools.cache
def _public_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("DE", subdiv="NW", years=year)


def is_public_holiday(day: date) -> bool:
    return day in _public_holidays(day.year)


def is_closed(location: Location, day: date) -> bool:
    return day in location.closed_dates or is_public_holiday(day)


def opening_periods(location: Location, day: date) -> list[Period]:
    """The location's open periods on a local date, merged and sorted, in epoch minutes."""
    if is_closed(location, day):
        return []
    periods = sorted(
        (local_minute(day, rule.start_minute), local_minute(day, rule.end_minute))
        for rule in location.opening_rules
        if rule.applies_on(day)
    )
    merged: list[Period] = []
    for start, end in periods:
        if start >= end:
            continue  # an hour the clocks skip
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def local_minute(day: date, minute_of_day: int) -> int:
    """The instant of a local wall-clock time, as epoch minutes (24:00 is the next midnight)."""
    if minute_of_day >= MINUTES_PER_DAY:
        day, minute_of_day = day + timedelta(days=1), minute_of_day - MINUTES_PER_DAY
    wall = datetime.combine(day, time(minute_of_day // 60, minute_of_day % 60))
    return to_minute(wall.replace(tzinfo=OFFICE_TIMEZONE))


def to_minute(instant: datetime) -> int:
    return int(instant.timestamp() // 60)


def to_instant(minute: int) -> datetime:
    """The epoch minute as an aware UTC datetime: enough where only the distance between
    instants counts, and cheaper than the office's wall clock."""
    return datetime.fromtimestamp(minute * 60, UTC)


def to_local(minute: int) -> datetime:
    return to_instant(minute).astimezone(OFFICE_TIMEZONE)


def local_date_of(minute: int) -> date:
    return to_local(minute).date()


def day_bounds(day: date) -> Period:
    """A local date's first and past-the-last minute."""
    return local_minute(day, 0), local_minute(day, MINUTES_PER_DAY)


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
