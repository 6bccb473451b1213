"""Merging duplicates: the office keeps one report (or idea) of several about the same thing.

What citizens gave the duplicate counts on the item kept: its followers follow the kept
one too (they hear of its answer), the duplicate's author and its "me too"s are "me too"s
there, an idea's supports are supports there; each citizen once, and the kept item's own
author is no "me too" of their own report. The duplicate is closed as a duplicate pointing
at the kept item, its followers hear of it, and `item_merged` says what moved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.context import Caller
from services.common.database import Transaction
from services.common.events import publish
from services.feedback import workflow
from services.feedback.errors import CannotMerge
from services.feedback.events import ItemMerged
from services.feedback.models import FollowRow, ItemRow, MeTooRow, SupportRow


def check_mergeable(duplicate: ItemRow, kept: ItemRow) -> None:
    """A duplicate merges into another item of its kind that is no duplicate itself."""
    if duplicate.id == kept.id:
        raise CannotMerge("An item is not a duplicate of itself.", {"item_id": kept.id})
    if duplicate.kind != kept.kind:
        raise CannotMerge(
            "A report merges into a report, an idea into an idea.",
            {"kind": duplicate.kind, "kept_kind": kept.kind},
        )
    if kept.status == "duplicate":
        raise CannotMerge(
            "The item to keep is a duplicate itself: merge into the one it repeats.",
            {"item_id": kept.id, "duplicate_of": kept.duplicate_of},
        )


def merge(
    tx: Transaction,
    caller: Caller,
    duplicate: ItemRow,
    kept: ItemRow,
    answer: str | None,
    now: datetime,
) -> ItemMerged:
    check_mergeable(duplicate, kept)
    session = tx.session
    followers = carry_followers(session, duplicate, kept)
    me_too = carry_me_too(session, duplicate, kept) if kept.kind == "report" else 0
    supports = carry_supports(session, duplicate, kept) if kept.kind == "idea" else 0
    kept.me_too += me_too
    kept.supports += supports
    kept.updated_at = now
    workflow.close_as_duplicate(tx, caller, duplicate, kept, answer, now)
    merged = ItemMerged(
        item_id=kept.id,
        duplicate_id=duplicate.id,
        kind=kept.kind,
        category=kept.category,
        department=kept.department,
        followers_carried=followers,
        me_too_carried=me_too,
        supports_carried=supports,
        me_too=kept.me_too,
        supports=kept.supports,
        merged_at=now,
    )
    publish(tx, merged)
    return merged


def carry_followers(session: Session, duplicate: ItemRow, kept: ItemRow) -> int:
    """The duplicate's followers follow the kept item too, with their address and language."""
    following = _citizens(session, FollowRow.citizen, FollowRow.item_id == kept.id)
    carried = 0
    for follow in session.scalars(select(FollowRow).where(FollowRow.item_id == duplicate.id)):
        if follow.citizen in following:
            continue
        session.add(
            FollowRow(
                item_id=kept.id,
                citizen=follow.citizen,
                email=follow.email,
                language=follow.language,
                followed_at=follow.followed_at,
            )
        )
        carried += 1
    return carried


def carry_me_too(session: Session, duplicate: ItemRow, kept: ItemRow) -> int:
    """The duplicate's author and its "me too"s say "me too" on the kept report; how many
    that adds."""
    earlier = session.execute(
        select(MeTooRow.citizen, MeTooRow.at).where(MeTooRow.item_id == duplicate.id)
    )
    said = {duplicate.author: duplicate.submitted_at, **dict(earlier.tuples().all())}
    counted = _citizens(session, MeTooRow.citizen, MeTooRow.item_id == kept.id) | {kept.author}
    added = _new(said, counted)
    session.add_all(MeTooRow(item_id=kept.id, citizen=c, at=said[c]) for c in added)
    return len(added)


def carry_supports(session: Session, duplicate: ItemRow, kept: ItemRow) -> int:
    """The duplicate idea's supports support the kept idea; how many that adds."""
    given = dict(
        session.execute(
            select(SupportRow.citizen, SupportRow.supported_at).where(
                SupportRow.item_id == duplicate.id
            )
        )
        .tuples()
        .all()
    )
    counted = _citizens(session, SupportRow.citizen, SupportRow.item_id == kept.id)
    added = _new(given, counted)
    session.add_all(SupportRow(item_id=kept.id, citizen=c, supported_at=given[c]) for c in added)
    return len(added)


def _citizens(session: Session, column, condition) -> set[str]:
    return set(session.scalars(select(column).where(condition)))


def _new(candidates: Iterable[str], counted: set[str]) -> list[str]:
    return sorted(citizen for citizen in candidates if citizen not in counted)
