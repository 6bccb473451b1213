"""Webhook subscriptions, added and ended by an administrator, each in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common.clock import Clock
from services.common.database import UnitOfWork
from services.common.idempotency import Keyed, Once
from services.common.identity import Caller
from services.notifications import admin_changes, subscriptions, webhooks
from services.notifications.settings import NotificationSettings
from services.notifications.use_cases.ports import CallbackTest


def list_subscriptions(uow: UnitOfWork) -> dict[str, Any]:
    """The active subscriptions, without their secrets."""
    with uow.transaction() as tx:
        return {"subscriptions": subscriptions.active(tx.session)}


@dataclass(frozen=True)
class Subscribe:
    caller: Caller
    spec: dict[str, Any]  # as loaded by SubscriptionInput
    idempotency_key: str | None = None


def subscribe(
    command: Subscribe,
    uow: UnitOfWork,
    clock: Clock,
    settings: NotificationSettings,
    test_call: CallbackTest,
) -> dict[str, Any]:
    """The new subscription, once its callback answered a signed test call; the same
    subscription sent again with its key answers the first, without calling again."""
    caller, spec = command.caller, command.spec
    once = Once(
        uow.transaction,
        # only an administrator gets here, signed in: the subject is there
        Keyed.of(str(caller.subject), "subscription", command.idempotency_key, spec),
        lambda tx, subscription_id: subscriptions.view_of(tx.session, subscription_id),
    )
    if (earlier := once.earlier()) is not None:
        return earlier  # without calling the callback again
    webhooks.check_callback_url(spec["callback_url"], private_allowed=settings.private_callbacks)
    subscriptions.check_events_and_filters(spec)
    test_call(spec["callback_url"], spec["secret"], settings.webhook_timeout, clock())
    return once.make(lambda tx: admin_changes.subscribe(tx.session, spec, caller, clock()))


@dataclass(frozen=True)
class Unsubscribe:
    caller: Caller
    subscription_id: str


def unsubscribe(command: Unsubscribe, uow: UnitOfWork, clock: Clock) -> None:
    """Nothing more is delivered to it; the trail keeps what it was."""
    with uow.transaction() as tx:
        admin_changes.unsubscribe(tx.session, str(command.subscription_id), command.caller, clock())
