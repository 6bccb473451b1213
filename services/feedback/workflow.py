"""How reports and ideas move: the office changes their status and answers them; an author
reopens a closed report within FEEDBACK.reopen_days. Every move is in the item's history
and reaches the author and the followers as an event."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.common.context import Caller
from services.common.database import Transaction
from services.feedback import items
from services.feedback.catalogue import CLOSED, MOVES, REOPENED, REOPENING, status_names
from services.feedback.errors import (
    DuplicateOfRequired,
    ItemNotFound,
    NotAReport,
    ReopenWindowPassed,
)
from services.feedback.events import OFFICIAL_ANSWER_PUBLISHED, STATUS_CHANGED
from services.feedback.models import ItemRow
from services.feedback.settings import FeedbackSettings


def change_status(
    tx: Transaction,
    caller: Caller,
    row: ItemRow,
    status: str,
    answer: str | None,
    duplicate_of: str | None,
    now: datetime,
) -> None:
    MOVES.check(row.status, status, _refused(row, status))
    if status == "duplicate":
        row.duplicate_of = _original(tx, caller, row, duplicate_of).id
    _move(tx, row, status, "office", caller.subject, answer, now)
    if answer:
        publish_answer(tx, row, answer, now)


def close_as_duplicate(
    tx: Transaction, caller: Caller, row: ItemRow, kept: ItemRow, answer: str | None, now: datetime
) -> None:
    """Close the item as a duplicate of `kept`, as a change of status to duplicate does."""
    MOVES.check(row.status, "duplicate", _refused(row, "duplicate"))
    row.duplicate_of = kept.id
    _move(tx, row, "duplicate", "office", caller.subject, answer, now)
    if answer:
        publish_answer(tx, row, answer, now)


def answer(tx: Transaction, caller: Caller, row: ItemRow, text: str, now: datetime) -> None:
    """An official answer without a change of status."""
    items.record(tx.session, row, row.status, row.status, "office", caller.subject, text, now)
    publish_answer(tx, row, text, now)


def reopen(
    tx: Transaction,
    caller: Caller,
    row: ItemRow,
    reason: str,
    settings: FeedbackSettings,
    now: datetime,
) -> None:
    """The author says a closed report is not fixed after all."""
    if row.author != caller.subject:
        raise ItemNotFound("There is no such report of yours.", {"item_id": row.id})
    if row.kind != "report":
        raise NotAReport("Only reports are reopened by their authors.")
    REOPENING.check(row.status, REOPENED, "Only a closed report can be reopened.")
    assert row.closed_at is not None, "a closed report keeps when it was closed"
    deadline = row.closed_at + timedelta(days=settings.reopen_days)
    if now > deadline:
        raise ReopenWindowPassed(
            f"A report can be reopened up to {settings.reopen_days} days after it was closed; "
            "please report it again.",
            {"closed_at": row.closed_at.isoformat(), "deadline": deadline.isoformat()},
        )
    _move(tx, row, REOPENED, "author", caller.subject, reason, now, official=False)


def publish_answer(tx: Transaction, row: ItemRow, text: str, now: datetime) -> None:
    row.official_answer = text
    row.answered_at = row.answered_at or now
    row.updated_at = now
    names = status_names(row.kind, row.status)
    tx.publish(
        OFFICIAL_ANSWER_PUBLISHED,
        {
            **items.facts(row),
            "status": row.status,
            "status_de": names["de"],
            "status_en": names["en"],
            "answer": text,
            "answered_at": now.isoformat(),
            "recipients": items.recipients(tx.session, row),
        },
    )


def _move(
    tx: Transaction,
    row: ItemRow,
    status: str,
    by: str,
    actor: str | None,
    text: str | None,
    now: datetime,
    *,
    official: bool = True,
) -> None:
    previous = row.status
    row.status = status
    row.closed_at = now if status in CLOSED else None
    row.updated_at = now
    if status != "duplicate":
        row.duplicate_of = None
    items.record(tx.session, row, status, previous, by, actor, text, now)
    names = status_names(row.kind, status)
    tx.publish(
        STATUS_CHANGED[row.kind],
        {
            **items.facts(row),
            "status": status,
            "previous_status": previous,
            "status_de": names["de"],
            "status_en": names["en"],
            "answered": bool(text) and official,
            "changed_at": now.isoformat(),
            "recipients": items.recipients(tx.session, row),
        },
    )


def _refused(row: ItemRow, status: str) -> str:
    return f"A {row.kind} that is {row.status} cannot become {status}."


def _original(tx: Transaction, caller: Caller, row: ItemRow, duplicate_of: str | None) -> ItemRow:
    if duplicate_of is None:
        raise DuplicateOfRequired("Name the report or idea this one repeats (duplicate_of).")
    original = items.find_worked(tx.session, caller, str(duplicate_of))
    if original.id == row.id or original.kind != row.kind or original.status == "duplicate":
        raise DuplicateOfRequired(
            f"A duplicate names another {row.kind} that is not a duplicate itself.",
            {"duplicate_of": str(duplicate_of)},
        )
    return original
