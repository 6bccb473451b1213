"""What the office offers: services, locations with their opening rules, and capacities.

Plain values, no I/O. Times of day are minutes after local midnight (Europe/Berlin); an
opening range may end at 24:00 (1440). Weekdays are ISO numbers, Monday 1 to Sunday 7.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

MINUTES_PER_DAY = 24 * 60
# lengths that divide an hour: the grid then sits on the same local minutes in summer and
# winter, since Berlin's offsets differ by whole hours
SLOT_LENGTHS = (5, 10, 15, 20, 30, 60)


@dataclass(frozen=True)
class OpeningRule:
    weekdays: frozenset[int]
    start_minute: int
    end_minute: int
    valid_from: date | None = None
    valid_until: date | None = None
    # 2: every other week, counted from the week of valid_from (or of 2024-01-01)
    every_n_weeks: int = 1

    def applies_on(self, day: date) -> bool:
        if day.isoweekday() not in self.weekdays:
            return False
        if self.valid_from is not None and day < self.valid_from:
            return False
        if self.valid_until is not None and day > self.valid_until:
            return False
        anchor = _monday_of(self.valid_from or _RHYTHM_ANCHOR)
        return ((_monday_of(day) - anchor).days // 7) % self.every_n_weeks == 0


_RHYTHM_ANCHOR = date(2024, 1, 1)


def _monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class Location:
    key: str
    name: str
    address: str
    slot_minutes: int = 15
    # slots kept free on a desk after each appointment
    buffer_units: int = 0
    min_notice_minutes: int = 60
    max_days_ahead: int = 60
    opening_rules: tuple[OpeningRule, ...] = ()
    closed_dates: frozenset[date] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Offer:
    """A service the office offers (ID card, passport ...); `service` means the nameko kind."""

    key: str
    name: str
    duration_units: int
    documents: tuple[str, ...] = ()


@dataclass(frozen=True)
class Capacity:
    desks: int
    # desks whose time citizens may book online; the rest serve walk-ins
    online_desks: int
