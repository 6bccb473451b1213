"""Figures per service and location: booked, walk-ins, cancelled, served, no-shows, lead time
and how long visitors waited after checking in."""

from __future__ import annotations

import math
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
    walk_in: bool = False
    checked_in_at: datetime | None = None
    called_at: datetime | None = None

    @property
    def waited_minutes(self) -> float | None:
        """From checking in (a walk-in: taking the ticket) to the first call of the desk."""
        if self.checked_in_at is None or self.called_at is None:
            return None
        return max((self.called_at - self.checked_in_at).total_seconds() / 60, 0.0)


def figures(outcomes: Iterable[Outcome]) -> list[dict]:
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[(outcome.service, outcome.location)].append(outcome)
    return [_row(service, location, group) for (service, location), group in sorted(groups.items())]


def _row(service: str, location: str, group: list[Outcome]) -> dict:
    def count(*statuses: str) -> int:
        return sum(1 for outcome in group if outcome.status in statuses)

    booked = [outcome for outcome in group if not outcome.walk_in]
    waits = sorted(w for outcome in group if (w := outcome.waited_minutes) is not None)

    served, no_show = count(lifecycle.COMPLETED), count(lifecycle.NO_SHOW)
    lead_hours = [
        (outcome.start - outcome.confirmed_at).total_seconds() / 3600
        for outcome in booked
        if outcome.status in _BOOKED and outcome.confirmed_at is not None
    ]
    return {
        "service": service,
        "location": location,
        "booked": sum(1 for outcome in booked if outcome.status in _BOOKED),
        "walk_ins": len(group) - len(booked),
        "cancelled": count(lifecycle.CANCELLED),
        "served": served,
        "no_show": no_show,
        # of those whose day has come and gone at the desk
        "no_show_rate": round(no_show / (served + no_show), 4) if served + no_show else None,
        "median_lead_time_hours": round(statistics.median(lead_hours), 2) if lead_hours else None,
        "median_wait_minutes": round(statistics.median(waits), 1) if waits else None,
        "p90_wait_minutes": round(_quantile(waits, 0.9), 1) if waits else None,
    }


def _quantile(ordered: list[float], share: float) -> float:
    """The value below which `share` of the ordered values lie (nearest rank)."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]
