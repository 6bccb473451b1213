"""The public's map: visible reports in a bounding box, open reports near a place (offered
before a citizen reports the same thing again), and the queries Open311 answers from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from services.common.keyset import Keyset
from services.feedback import geo
from services.feedback.catalogue import OPEN, status_names
from services.feedback.errors import InvalidBox
from services.feedback.items import key_of
from services.feedback.models import ItemRow
from services.feedback.open311 import RequestSearch
from services.feedback.reach import Reach


def parse_box(text: str) -> geo.Box:
    """`south,west,north,east` in degrees."""
    try:
        south, west, north, east = (float(part) for part in text.split(","))
    except ValueError:
        raise InvalidBox(
            "A bounding box is south,west,north,east in degrees.", {"bbox": text}
        ) from None
    if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
        raise InvalidBox(
            "A bounding box needs south < north and west < east, within the globe.",
            {"bbox": text},
        )
    return geo.Box(south, west, north, east)


def visible(kind: str = "report") -> Select:
    return select(ItemRow).where(ItemRow.kind == kind, ItemRow.hidden.is_(False))


def in_box(statement: Select, box: geo.Box) -> Select:
    return statement.where(
        ItemRow.public_latitude.between(box.south, box.north),
        ItemRow.public_longitude.between(box.west, box.east),
    )


# lists of items page the newest first, by submission and then id
NEWEST_FIRST = Keyset((ItemRow.submitted_at, ItemRow.id))


def newest_first(
    session: Session, statement: Select, cursor: str | None, limit: int
) -> tuple[list[ItemRow], str | None]:
    """A page of items, the newest first, and the cursor of the next (None on the last)."""
    return NEWEST_FIRST.page(session, statement, cursor, limit)


def reports_in_box(
    session: Session, query: dict[str, Any], max_results: int
) -> tuple[list[ItemRow], str | None]:
    statement = visible(query["kind"])
    if query["bbox"]:
        statement = in_box(statement, parse_box(query["bbox"]))
    if query["category"]:
        statement = statement.where(ItemRow.category == query["category"])
    if query["status"]:
        statement = statement.where(ItemRow.status == query["status"])
    return newest_first(session, statement, query["cursor"], min(query["limit"], max_results))


def marker(row: ItemRow, language: str) -> dict[str, Any]:
    """What a map shows of a report: no account, no name, no exact place, nothing hidden."""
    return {
        "id": row.id,
        "kind": row.kind,
        "category": row.category,
        "title": row.title,
        "status": row.status,
        "status_name": status_names(row.kind, row.status)[language],
        "latitude": row.public_latitude,
        "longitude": row.public_longitude,
        "me_too": row.me_too,
        "supports": row.supports,
        "submitted_at": row.submitted_at.isoformat(),
    }


def nearby(
    session: Session, category: str, latitude: float, longitude: float, meters: int
) -> list[ItemRow]:
    """Open, visible reports of the category within `meters`, the closest first.

    Measured to their public (blurred) places: asking about many points around a report
    must not tell where exactly it is.
    """
    box = geo.around(latitude, longitude, meters)
    candidates = session.scalars(
        in_box(visible("report").where(ItemRow.category == category, ItemRow.status.in_(OPEN)), box)
    )
    near = [
        (geo.distance_m(latitude, longitude, row.public_latitude, row.public_longitude), row)
        for row in candidates
    ]
    return [row for distance, row in sorted(near, key=lambda pair: pair[0]) if distance <= meters]


def worklist(
    session: Session, query: dict[str, Any], reach: Reach
) -> tuple[list[ItemRow], str | None]:
    """The office's list: the items of the caller's departments, hidden ones too, filtered,
    the newest first."""
    if reach.nothing:
        return [], None
    statement = select(ItemRow)
    if reach.keys is not None:
        statement = statement.where(ItemRow.department.in_(sorted(reach.keys)))
    for name in ("kind", "category", "department", "status"):
        if query[name]:
            statement = statement.where(getattr(ItemRow, name) == query[name])
    if query["open_only"]:
        statement = statement.where(ItemRow.status.in_(OPEN))
    return newest_first(session, statement, query["cursor"], query["limit"])


def requests(session: Session, search: RequestSearch) -> list[ItemRow]:
    """Public reports for Open311's request list, the newest first."""
    statement = visible("report").where(ItemRow.submitted_at.between(search.start, search.end))
    if search.categories:
        statement = statement.where(ItemRow.category.in_(search.categories))
    if search.statuses:
        statement = statement.where(ItemRow.status.in_(search.statuses))
    if search.bbox:
        statement = in_box(statement, parse_box(search.bbox))
    rows, _cursor = newest_first(session, statement, None, search.limit)
    return rows


def requests_by_id(session: Session, ids: list[str]) -> list[ItemRow]:
    """The public reports among `ids`, the newest first; the others are not there."""
    keys = {key for key in map(key_of, ids) if key is not None}
    statement = visible("report").where(ItemRow.id.in_(keys))
    rows, _cursor = newest_first(session, statement, None, max(len(keys), 1))
    return rows
