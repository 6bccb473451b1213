"""Events made into messages, and message texts purged after their retention."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.clock import Clock
from services.common.database import UnitOfWork
from services.common.events import Event
from services.notifications import delivery_log, inbox, intake
from services.notifications.settings import NotificationSettings
from services.notifications.use_cases.ports import Kick


@dataclass(frozen=True)
class TakeEvent:
    """An event of another service, as its publisher's contract validated it."""

    source: str  # the publishing service: appointments, applications, ...
    event: Event


@dataclass(frozen=True)
class TakeEvents:
    """Events of another service that came together (a batch handler's)."""

    source: str
    events: list[Event]


def take_event(
    command: TakeEvent, uow: UnitOfWork, clock: Clock, setup: intake.Intake, kick: Kick
) -> int:
    """Write the messages the event asks for, once however often it is delivered; the
    dispatcher is woken when some wait to be sent. How many wait."""
    return _take(command.source, command.event, uow, clock, setup, kick)


def take_events(
    command: TakeEvents, uow: UnitOfWork, clock: Clock, setup: intake.Intake, kick: Kick
) -> int:
    """The same for events that came together, in one transaction: each once, a duplicate
    left out. How many messages wait."""
    return _take(command.source, command.events, uow, clock, setup, kick)


def _take(
    source: str,
    handling: Event | list[Event],
    uow: UnitOfWork,
    clock: Clock,
    setup: intake.Intake,
    kick: Kick,
) -> int:
    with uow.transaction(handling=handling) as tx:
        now = clock()
        waiting = sum(intake.take(tx, event, source, setup, now) for event in tx.fresh)
    if waiting:
        kick()
    return waiting


def purge_expired(uow: UnitOfWork, clock: Clock, settings: NotificationSettings) -> None:
    """Message texts past their retention go; the log keeps who, when, which channel. Inbox
    items past theirs go with their reads."""
    with uow.transaction() as tx:
        moment = clock()
        delivery_log.purge(tx.session, settings, moment)
        inbox.purge(tx.session, settings, moment)
