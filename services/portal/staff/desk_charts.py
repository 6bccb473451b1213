"""The desk's figures as charts a person reads at a glance: bars drawn on the server as SVG.

Each chart is a list of groups (a service) of bars (a figure), with the lengths worked
out here, so the template only places them; the same numbers stand in the table beside
it, which is what a screen reader reads (the chart is one image with a title).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH = 640
LABEL_WIDTH = 200
BAR_HEIGHT = 18
BAR_GAP = 4
GROUP_GAP = 18
VALUE_ROOM = 56  # room after the longest bar for its number


@dataclass(frozen=True)
class Bar:
    kind: str  # the figure: names its colour (CSS) and its legend entry
    value: float
    y: int
    length: int


@dataclass(frozen=True)
class Group:
    label: str
    y: int
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    kinds: tuple[str, ...]
    groups: list[Group]
    width: int
    height: int
    label_width: int


COUNTS = ("booked", "walk_ins", "served", "no_show")
WAITS = ("median_wait_minutes", "p90_wait_minutes")


def counts_chart(rows: list[dict[str, Any]]) -> Chart:
    return _chart(rows, COUNTS)


def waits_chart(rows: list[dict[str, Any]]) -> Chart:
    return _chart(rows, WAITS)


def _chart(rows: list[dict[str, Any]], kinds: tuple[str, ...]) -> Chart:
    largest = max((row[kind] or 0 for row in rows for kind in kinds), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    groups, y = [], 0
    for row in rows:
        bars = []
        for index, kind in enumerate(kinds):
            value = row[kind] or 0
            bars.append(
                Bar(kind, value, y + index * (BAR_HEIGHT + BAR_GAP), round(room * value / largest))
            )
        groups.append(Group(row["service_name"], y, bars))
        y += len(kinds) * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP
    return Chart(kinds, groups, WIDTH, max(y, BAR_HEIGHT), LABEL_WIDTH)
