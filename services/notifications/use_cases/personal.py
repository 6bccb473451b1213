"""What a signed-in person reads and chooses for themselves: their inbox, their preferences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common.clock import Clock
from services.common.database import UnitOfWork
from services.common.identity import Caller
from services.notifications import inbox, preferences
from services.notifications.settings import NotificationSettings


@dataclass(frozen=True)
class ReadInbox:
    caller: Caller
    query: dict[str, Any]  # as loaded by InboxQuery: limit, before, unread_only


def read_inbox(command: ReadInbox, uow: UnitOfWork) -> dict[str, Any]:
    """A page of the caller's inbox, newest first, and how many items in all are unread."""
    with uow.transaction() as tx:
        return inbox.page(tx.session, command.caller, command.query)


@dataclass(frozen=True)
class CountUnread:
    caller: Caller


def count_unread(command: CountUnread, uow: UnitOfWork) -> dict[str, int]:
    with uow.transaction() as tx:
        return {"unread": inbox.unread(tx.session, command.caller)}


@dataclass(frozen=True)
class MarkRead:
    caller: Caller
    item_id: str


def mark_read(command: MarkRead, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    """The item, read by the caller; marking it again keeps the first time."""
    with uow.transaction() as tx:
        return inbox.mark_read(tx.session, command.caller, str(command.item_id), clock())


@dataclass(frozen=True)
class MarkAllRead:
    caller: Caller


def mark_all_read(command: MarkAllRead, uow: UnitOfWork, clock: Clock) -> dict[str, int]:
    with uow.transaction() as tx:
        return {"marked": inbox.mark_all_read(tx.session, command.caller, clock())}


@dataclass(frozen=True)
class ReadPreferences:
    caller: Caller


def read_preferences(
    command: ReadPreferences, uow: UnitOfWork, settings: NotificationSettings
) -> dict[str, Any]:
    """The caller's choice, or what applies until they choose."""
    with uow.transaction() as tx:
        return preferences.read(tx.session, command.caller, settings)


@dataclass(frozen=True)
class SetPreferences:
    caller: Caller
    chosen: dict[str, Any]  # as loaded by Preferences


def set_preferences(command: SetPreferences, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    """The caller's preferences, replaced as a whole."""
    with uow.transaction() as tx:
        return preferences.write(tx.session, command.caller, command.chosen, clock())
