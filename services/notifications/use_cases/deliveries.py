"""The delivery log read by administrators, and a message that failed for good re-sent."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common.clock import Clock
from services.common.database import UnitOfWork
from services.common.identity import Caller
from services.notifications import admin_changes, delivery_log
from services.notifications.use_cases.ports import Kick


@dataclass(frozen=True)
class ListDeliveries:
    query: dict[str, Any]  # as loaded by DeliveryQuery: status, channel, event_id, paging


def list_deliveries(command: ListDeliveries, uow: UnitOfWork) -> dict[str, Any]:
    """A page of the log, newest first, with addresses masked."""
    with uow.transaction() as tx:
        return delivery_log.page(tx.session, command.query)


@dataclass(frozen=True)
class ShowDelivery:
    message_id: str


def show_delivery(command: ShowDelivery, uow: UnitOfWork) -> dict[str, Any]:
    """One message with its text (null once purged) and every try."""
    with uow.transaction() as tx:
        row = delivery_log.find(tx.session, str(command.message_id))
        return delivery_log.detail(tx.session, row)


@dataclass(frozen=True)
class Resend:
    caller: Caller
    message_id: str


def resend(command: Resend, uow: UnitOfWork, clock: Clock, kick: Kick) -> dict[str, Any]:
    """The message, due again with as many tries as at first; the dispatcher is woken once
    the change is committed."""
    with uow.transaction() as tx:
        row = admin_changes.resend(tx.session, str(command.message_id), command.caller, clock())
        answer = delivery_log.detail(tx.session, row)
    kick()
    return answer
