"""Reports and ideas: submitted, looked up as each caller may see them, and described.

Three views of an item: the public's (no account, no address, no exact location, no
photos, nothing hidden), the author's (their own, exact), and the office's (everything,
with the history and the moderation log).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.common.context import Caller
from services.common.database import Transaction
from services.common.documents import Lookup, owned_document
from services.common.identity import OFFICE
from services.feedback import geo
from services.feedback.catalogue import INITIAL, Category, Town, status_names
from services.feedback.errors import (
    AccountBanned,
    ItemNotFound,
    LocationOutsideTown,
    PhotoNotAllowed,
    TooManyPhotos,
    TooManySubmissions,
    UnknownCategory,
)
from services.feedback.events import SUBMITTED
from services.feedback.models import BanRow, CommentRow, FollowRow, HistoryRow, ItemRow
from services.feedback.reach import works_on
from services.feedback.settings import FeedbackSettings

PHOTO_TYPE = "report_photo"


def is_office(caller: Caller) -> bool:
    return caller.role in OFFICE


def works(caller: Caller, row: ItemRow) -> bool:
    """Whether the caller works the item as the office: its department is theirs."""
    return is_office(caller) and works_on(caller, row.department)


def category_of(town: Town, kind: str, key: str) -> Category:
    category = town.categories.get(key)
    if category is None or category.kind != kind:
        known = [c.key for c in town.categories.values() if c.kind == kind]
        raise UnknownCategory(f"There is no {kind} category {key!r}.", {"known": known})
    return category


def check_may_take_part(
    session: Session,
    caller: Caller,
    settings: FeedbackSettings,
    now: datetime,
    *,
    counted: bool = True,
) -> None:
    """Refuse banned accounts; and when what the caller does is `counted` (reports, ideas,
    comments), citizens past the hourly limit of submissions."""
    if session.get(BanRow, caller.subject) is not None:
        raise AccountBanned("This account may no longer take part; reading stays open.")
    if is_office(caller) or not counted:
        return
    since = now - timedelta(hours=1)
    items = select(func.count()).where(
        ItemRow.author == caller.subject, ItemRow.submitted_at > since
    )
    comments = select(func.count()).where(
        CommentRow.author == caller.subject, CommentRow.created_at > since
    )
    submitted = session.execute(items).scalar_one() + session.execute(comments).scalar_one()
    if submitted >= settings.submissions_per_hour:
        raise TooManySubmissions(
            "Too many reports, ideas and comments within an hour; try again later.",
            {"limit": settings.submissions_per_hour, "period_seconds": 3600},
        )


def checked_location(town: Town, latitude: float, longitude: float) -> None:
    if not geo.inside(town.boundary, latitude, longitude):
        raise LocationOutsideTown(
            f"This place is not in {town.name}; reports take places inside the town.",
            {"latitude": latitude, "longitude": longitude},
        )


def checked_photos(photos: list[Any], lookup: Lookup, settings: FeedbackSettings) -> list[str]:
    """The photos' ids, each the caller's own report photo (asked of the documents service)."""
    if len(photos) > settings.max_photos:
        raise TooManyPhotos(
            f"A report takes up to {settings.max_photos} photos.", {"max": settings.max_photos}
        )
    checked = []
    for photo in dict.fromkeys(str(p) for p in photos):
        document = owned_document(
            lookup, photo, PhotoNotAllowed, "A photo named is not one of yours."
        )
        if document["document_type"] != PHOTO_TYPE:
            raise PhotoNotAllowed(
                f"A photo is uploaded as document type {PHOTO_TYPE}.",
                {"document_id": photo, "document_type": document["document_type"]},
            )
        checked.append(photo)
    return checked


def submit(
    tx: Transaction,
    caller: Caller,
    kind: str,
    category: Category,
    data: dict[str, Any],
    answers: dict[str, Any],
    photos: list[str],
    settings: FeedbackSettings,
    now: datetime,
) -> ItemRow:
    latitude, longitude = data.get("latitude"), data.get("longitude")
    public = (
        geo.blurred(latitude, longitude, settings.location_blur_meters)
        if latitude is not None and longitude is not None
        else (None, None)
    )
    row = ItemRow(
        id=str(uuid.uuid4()),
        kind=kind,
        category=category.key,
        department=category.department,
        title=data["title"],
        description=data["description"],
        answers=answers,
        latitude=latitude,
        longitude=longitude,
        public_latitude=public[0],
        public_longitude=public[1],
        photos=photos,
        author=caller.subject,
        author_name=None if data["anonymous"] else data["name"],
        email=data["email"],
        language=data["language"],
        anonymous=data["anonymous"],
        status=INITIAL,
        hidden=False,
        flags=0,
        supports=0,
        me_too=0,
        submitted_at=now,
        updated_at=now,
    )
    tx.session.add(row)
    record(tx.session, row, INITIAL, None, "author", caller.subject, None, now)
    tx.session.flush()
    tx.publish(
        SUBMITTED[kind],
        {
            **facts(row),
            "status": row.status,
            "submitted_at": now.isoformat(),
            "public_latitude": row.public_latitude,
            "public_longitude": row.public_longitude,
            "recipients": [{"citizen": row.author, "email": row.email, "language": row.language}],
            "author": row.author,
            "photos": row.photos,
        },
    )
    return row


def record(
    session: Session,
    row: ItemRow,
    status: str,
    previous: str | None,
    by: str,
    actor: str | None,
    text: str | None,
    now: datetime,
) -> None:
    session.add(
        HistoryRow(
            item_id=row.id,
            status=status,
            previous_status=previous,
            text=text,
            by=by,
            actor=actor,
            at=now,
        )
    )


def facts(row: ItemRow) -> dict[str, Any]:
    """What every event about an item says of it."""
    return {
        "item_id": row.id,
        "kind": row.kind,
        "category": row.category,
        "department": row.department,
        "title": row.title,
    }


def recipients(session: Session, row: ItemRow) -> list[dict[str, Any]]:
    """Who hears of the item's news: its followers (the author among them, unless they
    stopped following)."""
    follows = session.scalars(
        select(FollowRow).where(FollowRow.item_id == row.id).order_by(FollowRow.followed_at)
    )
    return [{"citizen": f.citizen, "email": f.email, "language": f.language} for f in follows]


def key_of(item_id: str) -> str | None:
    """An item's id as stored, or None when the text cannot name an item."""
    try:
        return str(uuid.UUID(str(item_id)))
    except ValueError:
        return None


def find(session: Session, caller: Caller, item_id: str, *, lock: bool = False) -> ItemRow:
    """The item as the caller may see it: a hidden one only by its author and the clerks
    who work it."""
    key = key_of(item_id)
    if key is None:
        raise ItemNotFound("There is no such report or idea.", {"item_id": item_id})
    row = session.get(ItemRow, key, with_for_update=lock or None)
    if row is None or (row.hidden and not (works(caller, row) or row.author == caller.subject)):
        raise ItemNotFound("There is no such report or idea.", {"item_id": item_id})
    return row


def find_worked(session: Session, caller: Caller, item_id: str, *, lock: bool = False) -> ItemRow:
    """The item, if the caller works it; another department's is not found, as if it did not
    exist, so that an office move shows nothing of another department's queue."""
    row = find(session, caller, item_id, lock=lock)
    if not works(caller, row):
        raise ItemNotFound("There is no such report or idea.", {"item_id": item_id})
    return row


def find_both_worked(
    session: Session, caller: Caller, first_id: str, second_id: str
) -> tuple[ItemRow, ItemRow]:
    """Two items the caller works, locked in the order of their ids: two merges of the same
    pair, each way round, wait for each other instead of deadlocking."""
    keys = {item_id: key_of(item_id) or item_id for item_id in (first_id, second_id)}
    locked = {}
    for item_id in sorted(keys, key=lambda name: keys[name]):
        locked[item_id] = find_worked(session, caller, item_id, lock=True)
    return locked[first_id], locked[second_id]


def duplicates_of(session: Session, row: ItemRow) -> list[dict[str, Any]]:
    """The items closed as duplicates of this one, the oldest first."""
    found = session.scalars(
        select(ItemRow).where(ItemRow.duplicate_of == row.id).order_by(ItemRow.submitted_at)
    )
    return [
        {
            "id": duplicate.id,
            "title": duplicate.title,
            "submitted_at": duplicate.submitted_at.isoformat(),
        }
        for duplicate in found
    ]


def public_view(row: ItemRow, town: Town, language: str) -> dict[str, Any]:
    names = status_names(row.kind, row.status)
    category = town.categories.get(row.category)
    return {
        "id": row.id,
        "kind": row.kind,
        "category": row.category,
        "category_name": category.names[language] if category else row.category,
        "department_name": town.departments.get(row.department, {}).get(language, row.department),
        "title": row.title,
        "description": row.description,
        "answers": row.answers,
        "author_name": None if row.anonymous else row.author_name,
        "status": row.status,
        "status_name": names[language],
        "latitude": row.public_latitude,
        "longitude": row.public_longitude,
        "photo_count": len(row.photos),
        "supports": row.supports,
        "me_too": row.me_too,
        "official_answer": row.official_answer,
        "duplicate_of": row.duplicate_of,
        "submitted_at": row.submitted_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "closed_at": row.closed_at.isoformat() if row.closed_at else None,
    }


def view(
    session: Session, caller: Caller, row: ItemRow, town: Town, language: str
) -> dict[str, Any]:
    """The item as the caller may see it: the public's view, with more for its author and
    the clerks who work it."""
    shown = public_view(row, town, language)
    following = caller.subject is not None and (
        session.get(FollowRow, (row.id, caller.subject)) is not None
    )
    shown["following"] = following
    shown["mine"] = caller.subject is not None and row.author == caller.subject
    worked = works(caller, row)
    if not (shown["mine"] or worked):
        return shown
    shown |= {
        "exact_latitude": row.latitude,
        "exact_longitude": row.longitude,
        "photos": row.photos,
        "anonymous": row.anonymous,
        "hidden": row.hidden,
    }
    if worked:
        shown |= {
            "author": row.author,
            "email": row.email,
            "language": row.language,
            "department": row.department,
            "flags": row.flags,
            "history": history(session, row),
        }
    return shown


def history(session: Session, row: ItemRow) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(HistoryRow).where(HistoryRow.item_id == row.id).order_by(HistoryRow.id)
    )
    return [
        {
            "status": h.status,
            "previous_status": h.previous_status,
            "by": h.by,
            "actor": h.actor,
            "text": h.text,
            "at": h.at.isoformat(),
        }
        for h in rows
    ]
