"""`/staff/feedback/figures`: the department's reports and ideas by status and category and
how soon they are answered, with the town's ratings of visits and cases; each as bars drawn
on the server (SVG, no script) that a person reads at a glance, and as a table."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel.numbers import format_decimal

from services.common.errors import InvalidInput
from services.common.identity import OFFICE
from services.common.local_time import office_today
from services.common.rpc import RemoteService
from services.portal.pages import Visit, page
from services.portal.rendering import Rendered

FIGURES = "/staff/feedback/figures"
# the chart's geometry, in SVG user units: a row per bar, the labels left of the bars
BAR_HEIGHT = 22
ROW_HEIGHT = 32
LABEL_WIDTH = 220
BAR_SPACE = 360
VALUE_SPACE = 60


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as the chart writes it beside the bar
    y: int
    width: int


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    # the labels are catalogue keys the template translates, else text as it is shown
    keys: bool = False
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT


def chart(rows: list[tuple[str, float, str]], *, keys: bool = False) -> Chart:
    """Horizontal bars, the longest for the largest value; each row (label, value, shown)."""
    largest = max((value for _label, value, _shown in rows), default=0) or 1
    bars = [
        Bar(label, value, shown, index * ROW_HEIGHT, round(BAR_SPACE * value / largest))
        for index, (label, value, shown) in enumerate(rows)
    ]
    width = LABEL_WIDTH + BAR_SPACE + VALUE_SPACE
    return Chart(bars, width, max(len(bars), 1) * ROW_HEIGHT, keys)


def charts(found: dict[str, Any], categories: dict[str, str], language: str) -> dict[str, Chart]:
    """The page's charts: items by status and by category, the median hours to an answer per
    category, and the average rating per service and location."""
    answered = [
        (categories.get(row["category"], row["category"]), row["median_hours"])
        for row in found["time_to_answer"]["per_category"]
        if row["median_hours"] is not None
    ]
    rated = [
        (" · ".join(filter(None, (row["service"], row["location"]))), row["average"])
        for row in found["ratings"]
    ]
    statuses = totals(found["items"], "status")
    return {
        "status": chart(
            [(f"staff.feedback.status.{s}", n, str(n)) for s, n in statuses], keys=True
        ),
        "category": chart(
            [(categories.get(c, c), n, str(n)) for c, n in totals(found["items"], "category")]
        ),
        "answer": chart([(label, hours, _number(hours, language)) for label, hours in answered]),
        "ratings": chart([(label, score, _number(score, language)) for label, score in rated]),
    }


def period(start: str, end: str) -> tuple[date, date]:
    """The first and the last day the figures cover, in local time (`end` is the midnight
    after the last day)."""
    first = office_today(datetime.fromisoformat(start))
    last = office_today(datetime.fromisoformat(end) - timedelta(seconds=1))
    return first, last


def _number(value: float, language: str) -> str:
    return format_decimal(value, "#,##0.#", locale=language)


def totals(rows: list[dict[str, Any]], key: str) -> list[tuple[str, int]]:
    """The counts summed by one of their keys (status, category), largest first."""
    summed: Counter[str] = Counter()
    for row in rows:
        summed[row[key]] += row["count"]
    return sorted(summed.items(), key=lambda pair: (-pair[1], pair[0]))


class StaffFeedbackFigures:
    """Mixed into GatewayService through StaffFeedbackPages."""

    feedback = RemoteService("feedback")

    @page("GET", FIGURES, roles=OFFICE)
    def staff_feedback_figures_page(self, visit: Visit) -> Rendered:
        entered = {"from": visit.value("from"), "to": visit.value("to")}
        errors = {
            name: ["staff.feedback.figures.not_a_day"]
            for name, value in entered.items()
            if value and not _is_day(value)
        }
        query = {name: value for name, value in entered.items() if value}
        if errors:
            query = {}
        try:
            found = self.feedback.figures(query)
        except InvalidInput:
            errors, found = {"to": ["staff.feedback.figures.order"]}, self.feedback.figures({})
        language = visit.session.language
        categories = {c["key"]: c["name"] for c in self.feedback.categories(language)}
        return Rendered(
            "staff/feedback/figures.html",
            {
                "figures": found,
                "entered": entered,
                "errors": errors,
                "categories": categories,
                "charts": charts(found, categories, language),
                "period": period(found["from"], found["to"]),
            },
            status=400 if errors else 200,
        )


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
