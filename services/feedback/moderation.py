"""Moderation: citizens flag abusive content; after FEEDBACK.flags_to_hide flags it is hidden
until a moderator (a clerk or an admin) decides to restore it, hide it, or edit it. An edit
keeps the text it replaced in the moderation log. Moderators ban accounts that abuse."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from services.common.context import Caller
from services.common.database import Transaction, insert_ignoring_duplicates
from services.feedback import items, participation
from services.feedback.errors import AlreadyFlagged, CommentNotFound, ItemNotFound
from services.feedback.events import CONTENT_HIDDEN
from services.feedback.models import BanRow, CommentRow, FlagRow, ItemRow, ModerationRow
from services.feedback.reach import Reach

Target = ItemRow | CommentRow
# what an edit may change, per kind of target
EDITABLE = {"item": ("title", "description"), "comment": ("body",)}


def find_target(session: Session, caller: Caller, target_kind: str, target_id: str) -> Target:
    """An item or a comment as the caller may see it: a hidden comment only by its author
    and the clerks who work its item."""
    if target_kind == "item":
        return items.find(session, caller, target_id)
    return find_comment(session, caller, target_id)


def find_comment(session: Session, caller: Caller, target_id: str) -> CommentRow:
    """A comment as the caller may see it (find_target)."""
    comment = session.get(CommentRow, str(target_id))
    if comment is None:
        raise CommentNotFound("There is no such comment.", {"comment_id": target_id})
    item = items.find(session, caller, comment.item_id)
    if comment.hidden and not (items.works(caller, item) or comment.author == caller.subject):
        raise CommentNotFound("There is no such comment.", {"comment_id": target_id})
    return comment


def find_moderated(session: Session, caller: Caller, target_kind: str, target_id: str) -> Target:
    """An item or a comment the caller moderates: one of an item they work; any other is not
    found."""
    target = find_target(session, caller, target_kind, target_id)
    item = target if isinstance(target, ItemRow) else session.get_one(ItemRow, target.item_id)
    if not items.works(caller, item):
        if isinstance(target, ItemRow):
            raise ItemNotFound("There is no such report or idea.", {"item_id": target_id})
        raise CommentNotFound("There is no such comment.", {"comment_id": target_id})
    return target


def item_of(target: Target) -> str:
    return target.id if isinstance(target, ItemRow) else target.item_id


def kind_of(target: Target) -> str:
    return "item" if isinstance(target, ItemRow) else "comment"


def flag(
    tx: Transaction, caller: Caller, target: Target, reason: str, flags_to_hide: int, now: datetime
) -> None:
    session = tx.session
    values = {
        "target_id": target.id,
        "flagger": caller.subject,
        "target_kind": kind_of(target),
        "reason": reason,
        "at": now,
    }
    statement = insert_ignoring_duplicates(session, FlagRow.__table__)
    if cast(CursorResult, session.execute(statement, values)).rowcount == 0:
        raise AlreadyFlagged("You flagged this already; a moderator will look at it.")
    model = type(target)
    session.execute(update(model).where(model.id == target.id).values(flags=model.flags + 1))
    session.refresh(target)
    if target.flags >= flags_to_hide and not target.hidden:
        target.hidden = True
        _log(session, target, "auto_hidden", None, f"{target.flags} flags", None, None, now)
        _published_hidden(tx, target, "flags", now)


def moderate(
    tx: Transaction, caller: Caller, target: Target, decision: dict[str, Any], now: datetime
) -> None:
    session = tx.session
    action, reason = decision["decision"], decision["reason"]
    if action == "hide":
        was_hidden, target.hidden = target.hidden, True
        # decided: it waits in the queue no longer, and flags count afresh
        target.flags = 0
        _log(session, target, "hidden", caller.subject, reason, None, None, now)
        if not was_hidden:
            _published_hidden(tx, target, "moderator", now)
        return
    if action == "edit":
        fields = EDITABLE[kind_of(target)]
        before = {name: getattr(target, name) for name in fields}
        after = {name: decision[name] for name in fields if decision.get(name) is not None}
        for name, value in after.items():
            setattr(target, name, value)
        _log(session, target, "edited", caller.subject, reason, before, after, now)
    else:
        _log(session, target, "restored", caller.subject, reason, None, None, now)
    # a moderator decided: visible, and flags count afresh (the same flaggers can't again)
    target.hidden = False
    target.flags = 0
    if isinstance(target, ItemRow):
        target.updated_at = now


def queue(session: Session, reach: Reach, limit: int = 100) -> dict[str, Any]:
    """What waits for a moderator: flagged content of the items in their reach (hidden once
    flagged often enough), the most flagged first. A decision counts the flags afresh, so
    decided content waits no longer."""
    if reach.nothing:
        return {"entries": []}
    waiting = lambda model: model.flags > 0  # noqa: E731
    item_query = select(ItemRow).where(waiting(ItemRow))
    comment_query = (
        select(CommentRow)
        .join(ItemRow, ItemRow.id == CommentRow.item_id)
        .where(waiting(CommentRow))
    )
    if reach.keys is not None:
        departments = sorted(reach.keys)
        item_query = item_query.where(ItemRow.department.in_(departments))
        comment_query = comment_query.where(ItemRow.department.in_(departments))
    flagged_items = session.scalars(item_query.order_by(ItemRow.flags.desc()).limit(limit))
    flagged_comments = session.scalars(comment_query.order_by(CommentRow.flags.desc()).limit(limit))
    entries = [_waiting(row, f"{row.title}\n\n{row.description}") for row in flagged_items]
    entries += [_waiting(row, row.body) for row in flagged_comments]
    entries.sort(key=lambda entry: (-entry["flags"], entry["target_id"]))
    return {"entries": entries[:limit]}


def _waiting(target: Target, text: str) -> dict[str, Any]:
    return {
        "target_kind": kind_of(target),
        "target_id": target.id,
        "item_id": item_of(target),
        "text": text,
        "author": target.author,
        "flags": target.flags,
        "hidden": target.hidden,
    }


def log_of(session: Session, target_id: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(ModerationRow).where(ModerationRow.target_id == target_id).order_by(ModerationRow.id)
    )
    return [
        {
            "action": row.action,
            "moderator": row.moderator,
            "reason": row.reason,
            "before": row.before,
            "after": row.after,
            "at": row.at.isoformat(),
        }
        for row in rows
    ]


def ban(
    session: Session, caller: Caller, account: str, reason: str, now: datetime
) -> dict[str, Any]:
    row = session.get(BanRow, account)
    if row is None:
        row = BanRow(account=account, reason=reason, banned_by=caller.subject, banned_at=now)
        session.add(row)
        session.flush()
    return ban_view(row)


def unban(session: Session, account: str) -> None:
    session.execute(delete(BanRow).where(BanRow.account == account))


def bans(session: Session) -> list[dict[str, Any]]:
    return [
        ban_view(row) for row in session.scalars(select(BanRow).order_by(BanRow.banned_at.desc()))
    ]


def ban_view(row: BanRow) -> dict[str, Any]:
    return {
        "account": row.account,
        "reason": row.reason,
        "banned_by": row.banned_by,
        "banned_at": row.banned_at.isoformat(),
    }


def target_view(
    session: Session, caller: Caller, target: Target, town, language: str
) -> dict[str, Any]:
    if isinstance(target, ItemRow):
        shown = items.view(session, caller, target, town, language)
    else:
        shown = participation.shown_comment(session, caller, target)
    shown["moderation"] = log_of(session, target.id)
    return shown


def _log(
    session: Session,
    target: Target,
    action: str,
    moderator: str | None,
    reason: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
) -> None:
    session.add(
        ModerationRow(
            target_kind=kind_of(target),
            target_id=target.id,
            item_id=item_of(target),
            action=action,
            moderator=moderator,
            reason=reason,
            before=before,
            after=after,
            at=now,
        )
    )


def _published_hidden(tx: Transaction, target: Target, hidden_by: str, now: datetime) -> None:
    tx.publish(
        CONTENT_HIDDEN,
        {
            "target_kind": kind_of(target),
            "target_id": target.id,
            "item_id": item_of(target),
            "flags": target.flags,
            "hidden_by": hidden_by,
            "hidden_at": now.isoformat(),
        },
    )
