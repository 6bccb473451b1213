"""Figures per service and location: booked, cancelled, served, no-shows, lead time."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from services.appointments import lifecycle

# confirmed at some point and not cancelled: what the office had to plan for
_BOOKED = (
    lifecycle.CONFIRMED,
    lifecycle.CHECKED_IN,
    lifecycle.CALLED,
    lifecycle.COMPLETED,
    lifecycle.NO_SHOW,
)


@dataclass(frozen=True)
class Outcome:
    service: str
    location: str
    status: str
    start: datetime
    confirmed_at: datetime | None


def figures(outcomes: Iterable[Outcome]) -> list[dict]:
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[(outcome.service, outcome.location)].append(outcome)
    return [_row(service, location, group) for (service, location), group in sorted(groups.items())]


def _row(service: str, location: str, group: list[Outcome]) -> dict:
    def count(*statuses: str) -> int:
        return sum(1 for outcome in group if outcome.status in statuses)

    served, no_show = count(lifecycle.COMPLETED), count(lifecycle.NO_SHOW)
    lead_hours = [
        (outcome.start - outcome.confirmed_at).total_seconds() / 3600
        for outcome in group
        if outcome.status in _BOOKED and outcome.confirmed_at is not None
    ]
    return {
        "service": service,
        "location": location,
        "booked": count(*_BOOKED),
        "cancelled": count(lifecycle.CANCELLED),
        "served": served,
        "no_show": no_show,
        # of those whose day has come and gone at the desk
        "no_show_rate": round(no_show / (served + no_show), 4) if served + no_show else None,
        "median_lead_time_hours": round(statistics.median(lead_hours), 2) if lead_hours else None,
    }
