"""The office's work on reports and ideas: its list, an item with its history, moves
through the statuses, official answers, merges of duplicates, and the figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common.clock import Clock
from services.common.context import Caller
from services.common.database import Transaction, UnitOfWork
from services.common.idempotency import Keyed, Once
from services.common.local_time import office_today
from services.feedback import figures as counting
from services.feedback import items, merging, moderation, public_map, workflow
from services.feedback.catalogue import TRANSITIONS
from services.feedback.reach import reach_of
from services.feedback.use_cases.setting import Setting, language_of


@dataclass(frozen=True)
class Worklist:
    caller: Caller
    query: dict[str, Any]  # as loaded by WorklistQuery
    language: str = "de"


def worklist(command: Worklist, uow: UnitOfWork) -> dict[str, Any]:
    """The items of the caller's departments (an admin's: all), the newest first."""
    language = language_of(command.language)
    with uow.transaction() as tx:
        rows, cursor = public_map.worklist(tx.session, command.query, reach_of(command.caller))
        return {
            "items": [
                public_map.marker(row, language)
                | {
                    "department": row.department,
                    "flags": row.flags,
                    "hidden": row.hidden,
                    "exact_latitude": row.latitude,
                    "exact_longitude": row.longitude,
                }
                for row in rows
            ],
            "next_cursor": cursor,
        }


@dataclass(frozen=True)
class OfficeItem:
    caller: Caller
    item_id: str
    language: str = "de"


def office_item(command: OfficeItem, uow: UnitOfWork, setting: Setting) -> dict[str, Any]:
    """An item the caller works, as the office sees it: with its history, its moderation
    log, the duplicates merged into it and the statuses it may move to. Another
    department's is not found."""
    caller = command.caller
    with uow.transaction() as tx:
        row = items.find_worked(tx.session, caller, command.item_id)
        shown = items.view(tx.session, caller, row, setting.town, language_of(command.language))
        return shown | {
            "moderation": moderation.log_of(tx.session, row.id),
            "duplicates": items.duplicates_of(tx.session, row),
            "next_statuses": list(TRANSITIONS[row.status]),
        }


@dataclass(frozen=True)
class ChangeStatus:
    caller: Caller
    item_id: str
    change: dict[str, Any]  # as loaded by StatusChange
    language: str = "de"


def change_status(
    command: ChangeStatus, uow: UnitOfWork, clock: Clock, setting: Setting
) -> dict[str, Any]:
    caller, change = command.caller, command.change
    with uow.transaction() as tx:
        row = items.find_worked(tx.session, caller, command.item_id, lock=True)
        workflow.change_status(
            tx, caller, row, change["status"], change["answer"], change["duplicate_of"], clock()
        )
        return items.view(tx.session, caller, row, setting.town, language_of(command.language))


@dataclass(frozen=True)
class PublishAnswer:
    caller: Caller
    item_id: str
    text: str
    language: str = "de"
    idempotency_key: str | None = None


def publish_answer(
    command: PublishAnswer, uow: UnitOfWork, clock: Clock, setting: Setting
) -> dict[str, Any]:
    """An official answer without a change of status; the same answer again (by its key)
    answers the first."""
    caller, item_id, text = command.caller, command.item_id, command.text
    once = Once(
        uow.transaction,
        Keyed.of(
            caller.subject, "answer", command.idempotency_key, {"item_id": item_id, "text": text}
        ),
        lambda tx, answered: items.view(
            tx.session,
            caller,
            items.find(tx.session, caller, answered),
            setting.town,
            language_of(command.language),
        ),
    )
    if (earlier := once.earlier()) is not None:
        return earlier

    def create(tx: Transaction) -> str:
        row = items.find_worked(tx.session, caller, item_id, lock=True)
        workflow.answer(tx, caller, row, text, clock())
        return row.id

    return once.make(create)


@dataclass(frozen=True)
class Merge:
    caller: Caller
    item_id: str  # the duplicate
    merge: dict[str, Any]  # as loaded by MergeInput: `into`, `answer`
    language: str = "de"


def merge(command: Merge, uow: UnitOfWork, clock: Clock, setting: Setting) -> dict[str, Any]:
    """Merge the item, a duplicate, into the one it repeats (`into`): its followers,
    "me too"s and supports count there, and it is closed as a duplicate pointing at it.
    Both must be items the caller works. Answers the item kept."""
    caller, data = command.caller, command.merge
    with uow.transaction() as tx:
        duplicate, kept = items.find_both_worked(
            tx.session, caller, command.item_id, str(data["into"])
        )
        merging.merge(tx, caller, duplicate, kept, data["answer"], clock())
        return items.view(tx.session, caller, kept, setting.town, language_of(command.language))


@dataclass(frozen=True)
class Figures:
    caller: Caller
    query: dict[str, Any]  # as loaded by FiguresQuery


def figures(command: Figures, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    """Ratings of visits and cases, and the items of the caller's departments by category
    and status with the time to answer."""
    data = command.query
    reach = reach_of(command.caller)
    moment = clock()
    start, end = counting.window(data["since"], data["until"], office_today(moment))
    with uow.transaction() as tx:
        return {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "period": data["period"],
            "ratings": counting.ratings(tx.session, start, end, data["period"]),
            "items": counting.by_category_and_status(tx.session, start, end, reach),
            "time_to_answer": counting.time_to_answer(tx.session, start, end, reach),
        }
