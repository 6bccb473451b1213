"""Reports and ideas submitted, and read back as the caller may see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common import challenges
from services.common.business_metrics import count_feedback
from services.common.clock import Clock
from services.common.context import Caller
from services.common.database import Transaction, UnitOfWork
from services.common.documents import Lookup
from services.common.idempotency import Keyed, Once
from services.feedback import items, participation
from services.feedback.catalogue import Category
from services.feedback.models import SpentChallenge
from services.feedback.use_cases.setting import Setting, language_of


@dataclass(frozen=True)
class Submit:
    """A citizen reports a problem (kind report) or proposes an idea (kind idea)."""

    caller: Caller
    kind: str
    data: dict[str, Any]  # as loaded by ReportInput or IdeaInput
    idempotency_key: str | None = None


def submit(
    command: Submit, uow: UnitOfWork, clock: Clock, setting: Setting, documents: Lookup
) -> dict[str, Any]:
    """The new item as its author sees it; the same submission again answers the first."""
    caller, kind, data = command.caller, command.kind, command.data
    once = _once(command, uow, setting)
    if (earlier := once.earlier()) is not None:
        return earlier
    category = items.category_of(setting.town, kind, data["category"])
    answers = category.checked_answers(data["answers"])
    photos: list[str] = []
    if kind == "report":
        items.checked_location(setting.town, data["latitude"], data["longitude"])
        photos = items.checked_photos(data["photos"], documents, setting.settings)
    made = once.make(
        lambda tx: _submit(tx, caller, kind, category, data, answers, photos, clock, setting)
    )
    count_feedback(kind)
    return made


def _once(command: Submit, uow: UnitOfWork, setting: Setting) -> Once:
    """A submission sent again with its key answers the first one's item: before its
    proof of work is found spent or the submission counted against the hourly limit. A
    retry may come with a new proof of work: it is no part of what is asked."""
    caller, data = command.caller, command.data
    asked = {name: value for name, value in data.items() if name != "challenge"}
    return Once(
        uow.transaction,
        Keyed.of(caller.subject, command.kind, command.idempotency_key, asked),
        lambda tx, item_id: items.view(
            tx.session,
            caller,
            items.find(tx.session, caller, item_id),
            setting.town,
            data["language"],
        ),
    )


def _submit(
    tx: Transaction,
    caller: Caller,
    kind: str,
    category: Category,
    data: dict[str, Any],
    answers: dict[str, Any],
    photos: list[str],
    clock: Clock,
    setting: Setting,
) -> str:
    moment = clock()
    items.check_may_take_part(tx.session, caller, setting.settings, moment)
    challenges.spend(tx.session, SpentChallenge, data["challenge"], moment)
    row = items.submit(tx, caller, kind, category, data, answers, photos, setting.settings, moment)
    # the author follows from the start: they hear of every status and answer
    participation.follow(tx.session, caller, row, data["email"], data["language"], moment)
    return row.id


@dataclass(frozen=True)
class GetItem:
    caller: Caller
    item_id: str
    language: str = "de"


def get_item(command: GetItem, uow: UnitOfWork, setting: Setting) -> dict[str, Any]:
    """A report or idea as the caller may see it (anyone may: the public view)."""
    with uow.transaction() as tx:
        row = items.find(tx.session, command.caller, command.item_id)
        return items.view(
            tx.session, command.caller, row, setting.town, language_of(command.language)
        )


def forget_spent_challenges(uow: UnitOfWork, clock: Clock) -> None:
    """Proofs of work spent long enough ago that any challenge then issued has expired."""
    moment = clock()
    with uow.transaction() as tx:
        challenges.forget_spent(tx.session, SpentChallenge, moment - challenges.SPENT_KEPT)
