"""What the public and authors read: the categories, the town's area, the map, reports
near a place, a citizen's own items."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from services.common.context import Caller
from services.common.database import UnitOfWork
from services.feedback import geo, items, public_map
from services.feedback.models import ItemRow
from services.feedback.use_cases.setting import Setting, language_of


def categories(language: str, setting: Setting) -> list[dict[str, Any]]:
    language = language_of(language)
    departments = setting.town.departments
    return [category.view(language, departments) for category in setting.town.categories.values()]


def town_area(setting: Setting) -> dict[str, Any]:
    """The town's name and the box around its boundary (south, west, north, east in
    degrees): where the portal's map opens and its address search looks."""
    box = geo.bounds(setting.town.boundary)
    return {"name": setting.town.name, **asdict(box)}


@dataclass(frozen=True)
class PublicMap:
    query: dict[str, Any]  # as loaded by MapQuery
    language: str = "de"


def show_map(command: PublicMap, uow: UnitOfWork, setting: Setting) -> dict[str, Any]:
    """Visible reports (or ideas) in a bounding box, the newest first, a page at a time."""
    with uow.transaction() as tx:
        rows, cursor = public_map.reports_in_box(
            tx.session, command.query, setting.settings.max_map_results
        )
        return {
            "items": [public_map.marker(row, language_of(command.language)) for row in rows],
            "next_cursor": cursor,
        }


@dataclass(frozen=True)
class Nearby:
    query: dict[str, Any]  # as loaded by NearbyQuery
    language: str = "de"


def nearby_reports(command: Nearby, uow: UnitOfWork, setting: Setting) -> list[dict[str, Any]]:
    """Open reports of the category close to a place: say "me too" instead of reporting
    the same thing again."""
    data = command.query
    items.category_of(setting.town, "report", data["category"])
    with uow.transaction() as tx:
        rows = public_map.nearby(
            tx.session,
            data["category"],
            data["latitude"],
            data["longitude"],
            setting.settings.nearby_meters,
        )
        return [public_map.marker(row, language_of(command.language)) for row in rows]


@dataclass(frozen=True)
class MyItems:
    caller: Caller
    language: str = "de"


def my_items(command: MyItems, uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow.transaction() as tx:
        rows = tx.session.scalars(
            select(ItemRow)
            .where(ItemRow.author == command.caller.subject)
            .order_by(ItemRow.submitted_at.desc())
        )
        # the author's own list: their hidden ones too, marked
        return [
            public_map.marker(row, language_of(command.language)) | {"hidden": row.hidden}
            for row in rows
        ]
