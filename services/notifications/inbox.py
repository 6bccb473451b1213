"""The in-app inbox: a citizen's own items, and for clerks and admins also their role's queue
and the queues of their departments.

Items a role or a department shares are read by each of its members on their own: reads are
kept per reader, so one clerk marking an item read does not hide it as unread from another.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from services.common.context import Caller
from services.common.database import insert_ignoring_duplicates
from services.common.identity import OFFICE
from services.common.keyset import Keyset, decode_cursor
from services.notifications.catalogue import (
    InboxOwner,
    account_inbox,
    department_queue,
    role_queue,
)
from services.notifications.errors import InboxItemNotFound
from services.notifications.models import InboxItemRow, InboxReadRow
from services.notifications.settings import NotificationSettings

# newest first; a page goes on from the `next_cursor` of the one before (`before`)
NEWEST_FIRST = Keyset((InboxItemRow.created_at, InboxItemRow.id))


def owners(caller: Caller) -> list[InboxOwner]:
    assert caller.subject is not None, "the inbox's RPCs are for signed-in callers only"
    mine = [account_inbox(caller.subject)]
    if caller.role in OFFICE:
        mine.append(role_queue(caller.role))
        mine.extend(department_queue(name) for name in caller.departments)
    return mine


def _visible_to(caller: Caller):
    """The items of the caller's inboxes: each matched on its kind and its name."""
    by_kind: dict[str, list[str]] = {}
    for owner in owners(caller):
        by_kind.setdefault(owner.kind, []).append(owner.name)
    return or_(
        *(
            and_(InboxItemRow.owner_kind == kind, InboxItemRow.owner.in_(names))
            for kind, names in by_kind.items()
        )
    )


def _owner_of(item: InboxItemRow) -> InboxOwner:
    return InboxOwner(item.owner_kind, item.owner)


def _read_by(caller: Caller):
    return exists().where(
        InboxReadRow.item_id == InboxItemRow.id, InboxReadRow.reader == caller.subject
    )


def page(session: Session, caller: Caller, query: dict[str, Any]) -> dict[str, Any]:
    visible = _visible_to(caller)
    statement = (
        select(InboxItemRow, InboxReadRow.read_at)
        .outerjoin(
            InboxReadRow,
            and_(InboxReadRow.item_id == InboxItemRow.id, InboxReadRow.reader == caller.subject),
        )
        .where(visible)
        .order_by(*NEWEST_FIRST.order())
    )
    if query["unread_only"]:
        statement = statement.where(InboxReadRow.read_at.is_(None))
    if query["before"]:
        after = decode_cursor(query["before"], len(NEWEST_FIRST.columns))
        statement = statement.where(NEWEST_FIRST.after(after))
    rows = session.execute(statement.limit(query["limit"] + 1)).all()
    more = len(rows) > query["limit"]
    rows = rows[: query["limit"]]
    return {
        "items": [view(item, read_at) for item, read_at in rows],
        "unread": unread(session, caller),
        "next_cursor": NEWEST_FIRST.cursor_of(rows[-1][0]) if more and rows else None,
    }


def unread(session: Session, caller: Caller) -> int:
    return session.execute(
        select(func.count()).select_from(InboxItemRow).where(_visible_to(caller), ~_read_by(caller))
    ).scalar_one()


def mark_read(session: Session, caller: Caller, item_id: str, now: datetime) -> dict[str, Any]:
    item = session.get(InboxItemRow, item_id)
    if item is None or _owner_of(item) not in owners(caller):
        raise InboxItemNotFound("There is no such item in your inbox.", {"item_id": item_id})
    row = {"item_id": item.id, "reader": caller.subject, "read_at": now}
    session.execute(insert_ignoring_duplicates(session, InboxReadRow.__table__), row)
    read_at = session.scalar(
        select(InboxReadRow.read_at).where(
            InboxReadRow.item_id == item.id, InboxReadRow.reader == caller.subject
        )
    )
    return view(item, read_at)


def mark_all_read(session: Session, caller: Caller, now: datetime) -> int:
    ids = session.scalars(
        select(InboxItemRow.id).where(_visible_to(caller), ~_read_by(caller))
    ).all()
    if ids:
        rows = [{"item_id": item_id, "reader": caller.subject, "read_at": now} for item_id in ids]
        session.execute(insert_ignoring_duplicates(session, InboxReadRow.__table__), rows)
    return len(ids)


def view(item: InboxItemRow, read_at: datetime | None) -> dict[str, Any]:
    return {
        "item_id": item.id,
        "title": item.title,
        "body": item.body,
        "event_type": item.event_type,
        "created_at": item.created_at.isoformat(),
        "read_at": read_at.isoformat() if read_at else None,
        # a department's queue is shared like a role's
        "audience": "role" if _owner_of(item).shared else "personal",
    }


def purge(session: Session, settings: NotificationSettings, now: datetime) -> int:
    cutoff = now - timedelta(days=settings.inbox_retention_days)
    old = select(InboxItemRow.id).where(InboxItemRow.created_at < cutoff)
    session.execute(delete(InboxReadRow).where(InboxReadRow.item_id.in_(old)))
    purged = session.execute(delete(InboxItemRow).where(InboxItemRow.created_at < cutoff))
    return cast(CursorResult, purged).rowcount
