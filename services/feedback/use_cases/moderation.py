"""The office's moderation: the queue of hidden and flagged content, decisions on an item or
a comment, and bans of accounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common.clock import Clock
from services.common.context import Caller
from services.common.database import UnitOfWork
from services.feedback import moderation
from services.feedback.reach import reach_of
from services.feedback.use_cases.setting import Setting, language_of


@dataclass(frozen=True)
class Queue:
    caller: Caller


def queue(command: Queue, uow: UnitOfWork) -> dict[str, Any]:
    """Hidden and flagged content of the items of the caller's departments."""
    with uow.transaction() as tx:
        return moderation.queue(tx.session, reach_of(command.caller))


@dataclass(frozen=True)
class Moderate:
    caller: Caller
    target_kind: str  # item or comment
    target_id: str
    decision: dict[str, Any]  # as loaded by Moderation
    language: str = "de"


def moderate(command: Moderate, uow: UnitOfWork, clock: Clock, setting: Setting) -> dict[str, Any]:
    """Restore, hide or edit an item or a comment of an item the caller works."""
    caller = command.caller
    with uow.transaction() as tx:
        target = moderation.find_moderated(
            tx.session, caller, command.target_kind, command.target_id
        )
        moderation.moderate(tx, caller, target, command.decision, clock())
        return moderation.target_view(
            tx.session, caller, target, setting.town, language_of(command.language)
        )


@dataclass(frozen=True)
class Ban:
    caller: Caller
    account: str
    reason: str


def ban(command: Ban, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    with uow.transaction() as tx:
        return moderation.ban(tx.session, command.caller, command.account, command.reason, clock())


@dataclass(frozen=True)
class Unban:
    account: str


def unban(command: Unban, uow: UnitOfWork) -> None:
    with uow.transaction() as tx:
        moderation.unban(tx.session, command.account)


def bans(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow.transaction() as tx:
        return moderation.bans(tx.session)
