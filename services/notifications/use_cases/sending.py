"""What the dispatcher does with the unit of work: claim what is due, keep its lease, and
record the tries of a batch together, in a transaction of their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.common.clock import Clock
from services.common.database import UnitOfWork
from services.notifications import delivery_log, subscriptions
from services.notifications.intake import Intake
from services.notifications.outcomes import Outcome, Outgoing
from services.notifications.settings import NotificationSettings
from services.notifications.use_cases.ports import Kick


@dataclass(frozen=True)
class ClaimDue:
    token: str  # this batch's claim: only its holder records a try


def claim_due(
    command: ClaimDue, uow: UnitOfWork, clock: Clock, settings: NotificationSettings
) -> list[Outgoing]:
    """The messages due now (within the channels' rate limits), leased to this batch; one
    taken over from a sender that stopped mid-send is marked in doubt."""
    with uow.transaction() as tx:
        return delivery_log.claim(tx.session, settings, clock(), command.token)


@dataclass(frozen=True)
class RenewLease:
    token: str
    held: frozenset[str]  # the ids this batch believes it holds
    until: datetime


def renew_lease(command: RenewLease, uow: UnitOfWork) -> set[str]:
    """The ids this batch still holds, their lease extended; one taken over is gone."""
    with uow.transaction() as tx:
        return delivery_log.renew(tx.session, command.token, set(command.held), command.until)


@dataclass(frozen=True)
class RecordTry:
    message: Outgoing
    outcome: Outcome
    token: str


def record_try(command: RecordTry, uow: UnitOfWork, clock: Clock, setup: Intake, kick: Kick) -> int:
    """Log one try and what follows from it (sent, tried again later, failed for good and
    the admins alerted); the dispatcher is woken when an alert waits. How many wait."""
    with uow.transaction() as tx:
        waiting = delivery_log.record(
            tx, command.message, command.outcome, command.token, setup, clock()
        )
    if waiting:
        kick()
    return waiting


@dataclass(frozen=True)
class RecordTries:
    tried: tuple[tuple[Outgoing, Outcome], ...]
    token: str


def record_tries(
    command: RecordTries, uow: UnitOfWork, clock: Clock, setup: Intake, kick: Kick
) -> int:
    """Log several tries in one transaction (what `record_try` does for each); the
    dispatcher is woken when an alert waits. How many wait."""
    if not command.tried:
        return 0
    with uow.transaction() as tx:
        waiting = delivery_log.record_many(tx, list(command.tried), command.token, setup, clock())
    if waiting:
        kick()
    return waiting


def secrets_of(subscription_ids: frozenset[str], uow: UnitOfWork) -> dict[str, str | None]:
    """The secret each webhook delivery is signed with; None for a subscription since ended
    (its deliveries fail for good)."""
    with uow.transaction() as tx:
        return {key: subscriptions.secret_of(tx.session, key) for key in subscription_ids}
