"""What citizens add to reports and ideas: "me too", supports, follows, comments, flags,
and an author's reopening of a closed report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common.clock import Clock
from services.common.context import Caller
from services.common.database import Transaction, UnitOfWork
from services.common.idempotency import Keyed, Once
from services.feedback import items, moderation, participation, workflow
from services.feedback.use_cases.setting import Setting, language_of


@dataclass(frozen=True)
class MeToo:
    caller: Caller
    item_id: str
    email: str | None
    language: str


def me_too(command: MeToo, uow: UnitOfWork, clock: Clock, setting: Setting) -> dict[str, Any]:
    caller = command.caller
    moment = clock()
    with uow.transaction() as tx:
        items.check_may_take_part(tx.session, caller, setting.settings, moment, counted=False)
        row = items.find(tx.session, caller, command.item_id, lock=True)
        participation.me_too(tx.session, caller, row, command.email, command.language, moment)
        return items.view(tx.session, caller, row, setting.town, command.language)


@dataclass(frozen=True)
class Support:
    caller: Caller
    item_id: str
    language: str = "de"


def support(command: Support, uow: UnitOfWork, clock: Clock, setting: Setting) -> dict[str, Any]:
    caller = command.caller
    moment = clock()
    with uow.transaction() as tx:
        items.check_may_take_part(tx.session, caller, setting.settings, moment, counted=False)
        row = items.find(tx.session, caller, command.item_id, lock=True)
        participation.support(tx, caller, row, setting.settings, moment)
        return items.view(tx.session, caller, row, setting.town, language_of(command.language))


@dataclass(frozen=True)
class Follow:
    caller: Caller
    item_id: str
    email: str | None
    language: str


def follow(command: Follow, uow: UnitOfWork, clock: Clock, setting: Setting) -> dict[str, Any]:
    caller = command.caller
    with uow.transaction() as tx:
        row = items.find(tx.session, caller, command.item_id)
        participation.follow(tx.session, caller, row, command.email, command.language, clock())
        return items.view(tx.session, caller, row, setting.town, command.language)


@dataclass(frozen=True)
class Unfollow:
    caller: Caller
    item_id: str
    language: str = "de"


def unfollow(command: Unfollow, uow: UnitOfWork, setting: Setting) -> dict[str, Any]:
    caller = command.caller
    with uow.transaction() as tx:
        row = items.find(tx.session, caller, command.item_id)
        participation.unfollow(tx.session, caller, row)
        return items.view(tx.session, caller, row, setting.town, language_of(command.language))


@dataclass(frozen=True)
class AddComment:
    caller: Caller
    item_id: str
    data: dict[str, Any]  # as loaded by CommentInput
    idempotency_key: str | None = None


def add_comment(
    command: AddComment, uow: UnitOfWork, clock: Clock, setting: Setting
) -> dict[str, Any]:
    """The comment as its author sees it; the same comment again (by its key) answers the
    first."""
    caller, item_id, data = command.caller, command.item_id, command.data
    once = Once(
        uow.transaction,
        Keyed.of(caller.subject, "comment", command.idempotency_key, {"item_id": item_id, **data}),
        lambda tx, comment_id: participation.shown_comment(
            tx.session,
            caller,
            moderation.find_comment(tx.session, caller, comment_id),
        ),
    )
    if (earlier := once.earlier()) is not None:
        return earlier

    def create(tx: Transaction) -> str:
        moment = clock()
        items.check_may_take_part(tx.session, caller, setting.settings, moment)
        row = items.find(tx.session, caller, item_id)
        return participation.add_comment(tx.session, caller, row, data["body"], moment).id

    return once.make(create)


@dataclass(frozen=True)
class Comments:
    caller: Caller
    item_id: str
    cursor: str | None = None
    limit: int = 50


def comments(command: Comments, uow: UnitOfWork) -> dict[str, Any]:
    with uow.transaction() as tx:
        row = items.find(tx.session, command.caller, command.item_id)
        return participation.comments(
            tx.session, command.caller, row, command.cursor, max(1, min(command.limit, 200))
        )


@dataclass(frozen=True)
class Reopen:
    caller: Caller
    item_id: str
    reason: str
    language: str = "de"


def reopen(command: Reopen, uow: UnitOfWork, clock: Clock, setting: Setting) -> dict[str, Any]:
    caller = command.caller
    with uow.transaction() as tx:
        row = items.find(tx.session, caller, command.item_id, lock=True)
        workflow.reopen(tx, caller, row, command.reason, setting.settings, clock())
        return items.view(tx.session, caller, row, setting.town, language_of(command.language))


@dataclass(frozen=True)
class Flag:
    caller: Caller
    target_kind: str  # item or comment
    target_id: str
    reason: str


def flag(command: Flag, uow: UnitOfWork, clock: Clock, setting: Setting) -> dict[str, Any]:
    caller = command.caller
    moment = clock()
    with uow.transaction() as tx:
        items.check_may_take_part(tx.session, caller, setting.settings, moment, counted=False)
        target = moderation.find_target(tx.session, caller, command.target_kind, command.target_id)
        moderation.flag(tx, caller, target, command.reason, setting.settings.flags_to_hide, moment)
        return {"target_kind": command.target_kind, "target_id": target.id, "flagged": True}
