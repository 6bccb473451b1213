"""The database dependency: a unit of work per worker, with the outbox and the inbox built in.

    with self.db.transaction() as tx:
        tx.session.add(thing)
        tx.publish(THING_CREATED, {"thing_id": ...})

`THING_CREATED` is the service's own contract from its `events.py`. The block commits when it
ends and rolls back when it raises; the events recorded with `publish` commit with the state
change and leave through the outbox relay afterwards. An event handler passes the event it
handles: `self.db.transaction(handling=event)` records `(event_id, handler)` in the inbox in
the same transaction, and a second delivery of the same event raises `EventAlreadyHandled`,
which the handler entrypoint acknowledges. A batch handler passes its list of events; they
are recorded in one statement, and `tx.fresh` are those this handler has not handled before
(a duplicate is left out, not raised).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import eventlet
from nameko.extensions import DependencyProvider
from sqlalchemy import CursorResult, Engine, delete, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from services.common.context import CORRELATION_ID_KEY
from services.common.engine import TransactionGate, create_service_engine
from services.common.events import Event, EventContract, InvalidEvent
from services.common.logging import get_logger
from services.common.outbox import FORGET_BATCH, OutboxRelay, record_events
from services.common.pool_metrics import watch_pool
from services.common.settings import OutboxSettings, amqp_uri, database_url
from services.common.tables import inbox
from services.common.tracing import current_traceparent

log = get_logger(__name__)

_INSERTS: dict[str, Callable[[Any], Any]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


def insert_ignoring_duplicates(session: Session, table: Any) -> Any:
    """An INSERT that skips rows whose key exists: no savepoint, no error; rowcount tells."""
    return _insert_ignoring(session.get_bind().dialect.name, table)


@functools.lru_cache(maxsize=256)
def _insert_ignoring(dialect: str, table: Any) -> Any:
    # built once per table: a new statement per row cost more than the insert (the inbox
    # row of every event handled)
    return _INSERTS[dialect](table).on_conflict_do_nothing()


RELAY_STOP_GRACE = 5.0  # seconds a stopping service gives its relay to finish a batch


def fetch_plain(session: Session, statement: Any) -> list[tuple]:
    """Rows as plain tuples straight from the driver.

    For reads of tens of thousands of small rows, SQLAlchemy's row objects cost three times
    what the database does. The statement is rendered with its values inline, so it may
    hold numbers and plain strings only.
    """
    dialect = session.get_bind().dialect
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    driver = session.connection().connection.dbapi_connection
    assert driver is not None, "a session's open connection has its driver connection"
    cursor = driver.cursor()
    try:
        cursor.execute(sql)
        return cast(list[tuple], cursor.fetchall())
    finally:
        cursor.close()


def forget_handled(session: Session, before: datetime, batch: int = FORGET_BATCH) -> int:
    """Forget up to `batch` inbox rows of events handled before `before`, the oldest first;
    how many. A duplicate comes within minutes of its original (a relay publishing again
    after a crash, the broker delivering again), so a row kept for days has done its work."""
    oldest = (
        select(inbox.c.event_id, inbox.c.handler)
        .where(inbox.c.handled_at < before)
        .order_by(inbox.c.handled_at)
        .limit(batch)
    )
    keys = tuple_(inbox.c.event_id, inbox.c.handler)
    return cast(CursorResult, session.execute(delete(inbox).where(keys.in_(oldest)))).rowcount


def forget_in_batches(
    uow: UnitOfWork,
    forget: Callable[[Session, datetime, int], int],
    before: datetime,
    batch: int = FORGET_BATCH,
) -> int:
    """Run a sweep (`forget_handled`, `outbox.forget_published`) a batch per transaction
    until it has nothing more to forget; how many rows went."""
    forgotten = 0
    while True:
        with uow.transaction() as tx:
            count = forget(tx.session, before, batch)
        forgotten += count
        if count < batch:
            return forgotten


class EventAlreadyHandled(Exception):
    """This handler already committed the effect of this event; the delivery is a duplicate."""


@dataclass
class Transaction:
    session: Session
    source: str
    correlation_id: str | None
    recorded: list[Event] = field(default_factory=list)
    fresh: list[Event] = field(default_factory=list)  # the events handled, not seen before
    duplicates: list[Event] = field(default_factory=list)  # a batch's events handled before
    # told when the first event is recorded (the relay: its next batch may wait for this)
    on_first_event: Callable[[], None] | None = None
    announced: bool = False

    def publish(self, contract: EventContract, payload: Mapping[str, Any]) -> Event:
        """Record an event of one of this service's contracts, published once this commits."""
        [event] = self.publish_many(contract, [payload])
        return event

    def publish_many(
        self, contract: EventContract, payloads: Iterable[Mapping[str, Any]]
    ) -> list[Event]:
        """Record several events of one contract, written in one statement (a batch's)."""
        if contract.source != self.source:
            raise InvalidEvent(f"{self.source} publishes {contract.source}'s {contract.type}")
        if not self.announced and self.on_first_event is not None:
            self.announced = True
            self.on_first_event()
        # the span at work now: the relay publishes the events as its children
        traceparent = current_traceparent()
        events = []
        for payload in payloads:
            contract.validate(payload)
            events.append(
                Event(
                    type=contract.type,
                    payload=dict(payload),
                    version=contract.version,
                    correlation_id=self.correlation_id,
                    traceparent=traceparent,
                )
            )
        record_events(self.session, self.source, events)
        self.recorded.extend(events)
        return events


class UnitOfWork:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        gate: TransactionGate,
        relay: OutboxRelay,
        source: str,
        context_data: Mapping[str, Any],
        handler: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._gate = gate
        self._relay = relay
        self._source = source
        self._context_data = context_data
        self._handler = handler

    @contextlib.contextmanager
    def transaction(self, handling: Event | Sequence[Event] | None = None) -> Iterator[Transaction]:
        with self._gate.enter(), self._sessions() as session:
            tx = Transaction(
                session,
                self._source,
                self._context_data.get(CORRELATION_ID_KEY),
                on_first_event=self._relay.recording,
            )
            committed = False
            try:
                with session.begin():
                    if isinstance(handling, Event):
                        self._record_in_inbox(session, handling)
                        tx.fresh = [handling]
                    elif handling is not None:
                        tx.fresh, tx.duplicates = self._record_batch_in_inbox(session, handling)
                    yield tx
                committed = True
            finally:
                if tx.announced:
                    self._relay.recorded(committed and bool(tx.recorded))
        for event in tx.duplicates:
            log.info(
                "event_duplicate_ignored", handler=self._inbox_handler, event_id=str(event.event_id)
            )

    @property
    def _inbox_handler(self) -> str:
        return f"{self._source}.{self._handler}"

    def _record_in_inbox(self, session: Session, event: Event) -> None:
        handler = self._inbox_handler
        row = {"event_id": str(event.event_id), "handler": handler, "handled_at": datetime.now(UTC)}
        inserted = session.execute(insert_ignoring_duplicates(session, inbox), row)
        if cast(CursorResult, inserted).rowcount == 0:
            raise EventAlreadyHandled(f"{handler} already handled event {event.event_id}")

    def _record_batch_in_inbox(
        self, session: Session, events: Sequence[Event]
    ) -> tuple[list[Event], list[Event]]:
        """Record a batch's events in the inbox in one statement; those not there before, in
        their order, each once (the relay may have published one twice), and the others."""
        if not events:
            return [], []
        handler, now = self._inbox_handler, datetime.now(UTC)
        rows = [
            {"event_id": str(event.event_id), "handler": handler, "handled_at": now}
            for event in events
        ]
        statement = (
            insert_ignoring_duplicates(session, inbox).values(rows).returning(inbox.c.event_id)
        )
        new = set(session.execute(statement).scalars())
        fresh, duplicates = [], []
        for event in events:
            if str(event.event_id) in new:
                new.discard(str(event.event_id))
                fresh.append(event)
            else:
                duplicates.append(event)
        return fresh, duplicates

    def ping(self) -> None:
        with self._sessions() as session:
            session.execute(text("SELECT 1"))


class Database(DependencyProvider):
    """One engine per service container; the service's outbox relay runs beside it."""

    def setup(self) -> None:
        service_name = self.container.service_name
        self.url = database_url(service_name)
        self.engine: Engine = create_service_engine(self.url)
        watch_pool(self.engine, service_name)
        self.gate = TransactionGate(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.settings = OutboxSettings.from_config()
        self.relay = OutboxRelay(
            self.engine, self.gate, amqp_uri(), self.settings, service=service_name
        )

    def start(self) -> None:
        self.relay_thread = None
        if self.settings.relay_enabled:
            self.relay_thread = self.container.spawn_managed_thread(
                self.relay.run, identifier=f"{self.container.service_name}.outbox_relay"
            )

    def stop(self) -> None:
        self.relay.stop()
        if self.relay_thread is not None:
            # let a batch in flight finish; whatever is left is published after a restart
            with eventlet.Timeout(RELAY_STOP_GRACE, False):
                self.relay_thread.wait()
        self.engine.dispose()

    def kill(self) -> None:
        self.relay.kill()

    def get_dependency(self, worker_ctx) -> UnitOfWork:
        return UnitOfWork(
            self.sessions,
            self.gate,
            self.relay,
            self.container.service_name,
            worker_ctx.context_data,
            worker_ctx.entrypoint.method_name,
        )

    def background(self, context_data: Mapping[str, Any] | None = None) -> UnitOfWork:
        """A unit of work for a service's own loops, outside any worker."""
        return UnitOfWork(
            self.sessions, self.gate, self.relay, self.container.service_name, context_data or {}
        )
