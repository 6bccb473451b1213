"""The figures the town watches: how visits and cases are rated per service and location
over time, how many reports and ideas are in each category and status, and how long the
office takes to answer."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from services.common.local_time import OFFICE_TIMEZONE
from services.feedback.models import ItemRow, RatingRow
from services.feedback.reach import Reach


def period_of(moment: datetime, period: str) -> str:
    """2026-11 for a month, 2026-W47 for an ISO week, in local time."""
    local = moment.astimezone(OFFICE_TIMEZONE)
    if period == "month":
        return f"{local.year}-{local.month:02d}"
    year, week, _day = local.isocalendar()
    return f"{year}-W{week:02d}"


def window(since: date | None, until: date | None, today: date) -> tuple[datetime, datetime]:
    """From local midnight of `since` (default a year back) to the end of `until` (today)."""
    first = since or today - timedelta(days=365)
    last = until or today
    start = datetime.combine(first, time.min, OFFICE_TIMEZONE).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, OFFICE_TIMEZONE).astimezone(UTC)
    return start, end


def ratings(session: Session, start: datetime, end: datetime, period: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            RatingRow.rated_at,
            RatingRow.subject_kind,
            RatingRow.service,
            RatingRow.location,
            RatingRow.score,
        ).where(RatingRow.rated_at >= start, RatingRow.rated_at < end)
    )
    groups: dict[tuple[str, str, str, str | None], list[int]] = defaultdict(list)
    for rated_at, kind, service, location, score in rows:
        groups[(period_of(rated_at, period), kind, service, location)].append(score)
    return [
        {
            "period": key[0],
            "subject_kind": key[1],
            "service": key[2],
            "location": key[3],
            "ratings": len(scores),
            "average": round(statistics.fmean(scores), 2),
        }
        for key, scores in sorted(
            groups.items(), key=lambda item: tuple(str(part) for part in item[0])
        )
    ]


def in_reach(statement: Select, reach: Reach) -> Select:
    """Only the items of the departments the caller works: none for a clerk without one."""
    if reach.keys is None:
        return statement
    return statement.where(ItemRow.department.in_(sorted(reach.keys)))


def by_category_and_status(
    session: Session, start: datetime, end: datetime, reach: Reach
) -> list[dict[str, Any]]:
    statement = in_reach(
        select(ItemRow.kind, ItemRow.category, ItemRow.status, func.count())
        .where(ItemRow.submitted_at >= start, ItemRow.submitted_at < end)
        .group_by(ItemRow.kind, ItemRow.category, ItemRow.status)
        .order_by(ItemRow.kind, ItemRow.category, ItemRow.status),
        reach,
    )
    return [
        {"kind": kind, "category": category, "status": status, "count": count}
        for kind, category, status, count in session.execute(statement)
    ]


def time_to_answer(
    session: Session, start: datetime, end: datetime, reach: Reach
) -> dict[str, Any]:
    """The median hours from submission to the first official answer, of the items
    submitted in the window; overall and per category, with how many are still unanswered."""
    submitted: Select = in_reach(
        select(ItemRow.category, ItemRow.submitted_at, ItemRow.answered_at).where(
            ItemRow.submitted_at >= start, ItemRow.submitted_at < end
        ),
        reach,
    )
    hours: dict[str, list[float]] = defaultdict(list)
    unanswered: dict[str, int] = defaultdict(int)
    for category, submitted_at, answered_at in session.execute(submitted):
        if answered_at is None:
            unanswered[category] += 1
        else:
            hours[category].append((answered_at - submitted_at).total_seconds() / 3600)
    every = [value for values in hours.values() for value in values]
    return {
        "median_hours": _median(every),
        "answered": len(every),
        "unanswered": sum(unanswered.values()),
        "per_category": [
            {
                "category": category,
                "median_hours": _median(hours.get(category, [])),
                "answered": len(hours.get(category, [])),
                "unanswered": unanswered.get(category, 0),
            }
            for category in sorted(set(hours) | set(unanswered))
        ],
    }


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None
