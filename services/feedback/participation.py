"""What citizens add to reports and ideas: "me too", supports, follows and comments."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.orm import Session

from services.common.context import Caller
from services.common.database import Transaction, insert_ignoring_duplicates
from services.common.keyset import Keyset
from services.feedback import items
from services.feedback.catalogue import CLOSED
from services.feedback.errors import (
    AlreadyCounted,
    AlreadySupported,
    ItemClosed,
    NotAnIdea,
    NotAReport,
    SupportLimitReached,
)
from services.feedback.events import IDEA_SUPPORTED
from services.feedback.models import CommentRow, FollowRow, ItemRow, MeTooRow, SupportRow
from services.feedback.settings import FeedbackSettings


def follow(
    session: Session, caller: Caller, row: ItemRow, email: str | None, language: str, now: datetime
) -> None:
    """Follow the item (again: the address and language given last count)."""
    existing = session.get(FollowRow, (row.id, caller.subject))
    if existing is None:
        session.add(
            FollowRow(
                item_id=row.id,
                citizen=caller.subject,
                email=email,
                language=language,
                followed_at=now,
            )
        )
    else:
        existing.email = email or existing.email
        existing.language = language
    session.flush()


def unfollow(session: Session, caller: Caller, row: ItemRow) -> None:
    session.execute(
        delete(FollowRow).where(FollowRow.item_id == row.id, FollowRow.citizen == caller.subject)
    )


def me_too(
    session: Session, caller: Caller, row: ItemRow, email: str | None, language: str, now: datetime
) -> None:
    """The caller has the same problem: counted once on the report, and they follow it."""
    if row.kind != "report":
        raise NotAReport('Only reports take "me too"; support an idea instead.')
    if row.status in CLOSED:
        raise ItemClosed("This report is closed; report the problem anew if it is back.")
    if row.author == caller.subject:
        raise AlreadyCounted("This is your own report.")
    statement = insert_ignoring_duplicates(session, MeTooRow.__table__)
    if (
        cast(
            CursorResult,
            session.execute(statement, {"item_id": row.id, "citizen": caller.subject, "at": now}),
        ).rowcount
        == 0
    ):
        raise AlreadyCounted('You said "me too" on this report already.')
    session.execute(update(ItemRow).where(ItemRow.id == row.id).values(me_too=ItemRow.me_too + 1))
    follow(session, caller, row, email, language, now)
    session.refresh(row)


def support(
    tx: Transaction, caller: Caller, row: ItemRow, settings: FeedbackSettings, now: datetime
) -> None:
    """One support per citizen and idea, and FEEDBACK.supports_per_period per citizen."""
    if row.kind != "idea":
        raise NotAnIdea('Only ideas take supports; say "me too" on a report instead.')
    if row.status in CLOSED:
        raise ItemClosed("This idea is closed; it takes no more supports.")
    session = tx.session
    if session.get(SupportRow, (row.id, caller.subject)) is not None:
        raise AlreadySupported("You support this idea already.", {"item_id": row.id})
    since = now - timedelta(days=settings.support_period_days)
    recent = select(func.count(), func.min(SupportRow.supported_at)).where(
        SupportRow.citizen == caller.subject, SupportRow.supported_at > since
    )
    used, oldest = session.execute(recent).one()
    if used >= settings.supports_per_period:
        raise SupportLimitReached(
            f"You gave all {settings.supports_per_period} supports of "
            f"{settings.support_period_days} days.",
            {
                "limit": settings.supports_per_period,
                "period_days": settings.support_period_days,
                "next_support_at": (
                    oldest + timedelta(days=settings.support_period_days)
                ).isoformat(),
            },
        )
    statement = insert_ignoring_duplicates(session, SupportRow.__table__)
    values = {"item_id": row.id, "citizen": caller.subject, "supported_at": now}
    if cast(CursorResult, session.execute(statement, values)).rowcount == 0:
        raise AlreadySupported("You support this idea already.", {"item_id": row.id})
    session.execute(
        update(ItemRow).where(ItemRow.id == row.id).values(supports=ItemRow.supports + 1)
    )
    session.refresh(row)
    tx.publish(
        IDEA_SUPPORTED,
        {
            "item_id": row.id,
            "category": row.category,
            "supports": row.supports,
            "supported_at": now.isoformat(),
        },
    )


# an item's comments page the oldest first, by creation and then id
OLDEST_FIRST = Keyset((CommentRow.created_at, CommentRow.id), descending=False)


def add_comment(
    session: Session, caller: Caller, row: ItemRow, body: str, now: datetime
) -> CommentRow:
    comment = CommentRow(
        id=str(uuid.uuid4()),
        item_id=row.id,
        author=caller.subject,
        from_office=items.is_office(caller),
        body=body,
        hidden=False,
        flags=0,
        created_at=now,
    )
    session.add(comment)
    session.flush()
    return comment


def comments(
    session: Session, caller: Caller, row: ItemRow, after: str | None, limit: int
) -> dict[str, Any]:
    """The item's comments, oldest first; hidden ones only for their authors and the clerks
    who work the item."""
    worked = items.works(caller, row)
    statement = select(CommentRow).where(CommentRow.item_id == row.id)
    if not worked:
        statement = statement.where(
            (CommentRow.hidden.is_(False)) | (CommentRow.author == caller.subject)
        )
    page, cursor = OLDEST_FIRST.page(session, statement, after, limit)
    return {
        "comments": [comment_view(c, caller, worked) for c in page],
        "next_cursor": cursor,
    }


def shown_comment(session: Session, caller: Caller, comment: CommentRow) -> dict[str, Any]:
    """The comment as the caller sees it, whether or not they work its item."""
    item = session.get(ItemRow, comment.item_id)
    return comment_view(comment, caller, item is not None and items.works(caller, item))


def comment_view(comment: CommentRow, caller: Caller, worked: bool) -> dict[str, Any]:
    """The comment as the caller sees it; `worked`: the caller works its item (the office
    sees who wrote it and its flags)."""
    shown = {
        "id": comment.id,
        "item_id": comment.item_id,
        "body": comment.body,
        # who wrote it stays private; the office speaks as the office
        "from_office": comment.from_office,
        "mine": caller.subject is not None and comment.author == caller.subject,
        "created_at": comment.created_at.isoformat(),
    }
    if worked:
        shown |= {"author": comment.author, "hidden": comment.hidden, "flags": comment.flags}
    return shown
