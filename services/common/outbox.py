"""The transactional outbox and its relay.

A service writes its state change and the events it causes in one database transaction
(`record_events`). The relay publishes committed events to RabbitMQ, persistent and with
publisher confirms, and only then marks them published. It is kicked right after each
commit for latency and sweeps on a timer for whatever a crash or a broker outage left
behind. Kicked while other transactions of the service are recording events, it waits for
them to end (OUTBOX.linger at most), so that their events leave in the same batch: a quiet
service's event leaves at once, a busy one's a few milliseconds later, with fewer round
trips per event. A crash between publish and mark publishes again: consumers' inboxes
absorb that.
Each timed sweep also counts what is still unpublished and how old the oldest of it is, for
the `rathaus_outbox_pending` and `rathaus_outbox_oldest_seconds` gauges; a kick does not, so
the path right after a commit stays as short as it was.

Published events are kept for OUTBOX.kept_days (to look into what was sent), then forgotten
by every service's hourly sweep (`forget_published`, services/common/service.py): the outbox
holds what is still to be sent and a few days of what was, not every event ever published.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from itertools import takewhile

import eventlet
from eventlet.event import Event as GreenEvent
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session

from services.common.batch_publish import BatchPublisher, Outgoing
from services.common.engine import TransactionGate
from services.common.events import Event, is_transient
from services.common.logging import get_logger
from services.common.metrics import OUTBOX_OLDEST_SECONDS, OUTBOX_PENDING, OUTBOX_PUBLISHED
from services.common.settings import OutboxSettings
from services.common.tables import outbox
from services.common.topology import event_exchange
from services.common.tracing import TRACEPARENT_KEY, publishing, tracer_for

log = get_logger(__name__)


_RECORD = insert(outbox)  # built once: a statement per event cost more than the insert


def record_events(session: Session, source: str, events: Sequence[Event]) -> None:
    """Write events to the outbox in the session's transaction: several in one statement."""
    now = datetime.now(UTC)
    rows = [
        {
            "event_id": str(event.event_id),
            "source": source,
            "event_type": event.type,
            "message": event.to_message(),
            "created_at": now,
        }
        for event in events
    ]
    if rows:
        session.execute(_RECORD, rows[0] if len(rows) == 1 else rows)


FORGET_BATCH = 1000  # rows a sweep deletes in one transaction


def forget_published(session: Session, before: datetime, batch: int = FORGET_BATCH) -> int:
    """Delete up to `batch` events published before `before`, the oldest first; how many.

    It walks the primary key from the oldest published event and stops at the first one still
    kept, so it reads little more than it deletes, without an index on `published_at` that
    every event would pay for.
    """
    rows = session.execute(
        select(outbox.c.id, outbox.c.published_at < before)
        .where(outbox.c.published_at.is_not(None))
        .order_by(outbox.c.id)
        .limit(batch)
    ).all()
    old = [row_id for row_id, _ in takewhile(lambda row: row[1], rows)]
    if old:
        session.execute(delete(outbox).where(outbox.c.id.in_(old)))
    return len(old)


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        gate: TransactionGate,
        amqp_uri: str,
        settings: OutboxSettings,
        *,
        service: str,
    ) -> None:
        self.engine = engine
        self.service = service
        self.gate = gate
        self.amqp_uri = amqp_uri
        self.settings = settings
        self._kicked = GreenEvent()
        self._recording = 0  # transactions that have recorded events and not ended yet
        self._settled = GreenEvent()
        self._running = False
        self.publisher = BatchPublisher(amqp_uri)
        self.tracer = tracer_for(service)

    def kick(self) -> None:
        if not self._kicked.ready():
            self._kicked.send(True)

    def recording(self) -> None:
        """A transaction has recorded its first event: the next batch may wait for it."""
        self._recording += 1

    def recorded(self, committed: bool) -> None:
        """That transaction ended; committed, its events are to be published."""
        self._recording -= 1
        if self._recording == 0 and not self._settled.ready():
            self._settled.send(True)
        if committed:
            self.kick()

    def _let_recorders_end(self) -> None:
        """Wait, OUTBOX.linger at most, for the transactions recording events now to end:
        their events then go in this batch rather than each in one of its own."""
        if self._recording == 0:
            return
        self._settled = GreenEvent()
        with eventlet.Timeout(self.settings.linger, False):
            self._settled.wait()

    def run(self) -> None:
        self._running = True
        failures = 0
        while self._running:
            with eventlet.Timeout(self.settings.sweep_interval, False):
                self._kicked.wait()
            timed_sweep = not self._kicked.ready()
            self._kicked = GreenEvent()
            if not timed_sweep:
                self._let_recorders_end()
            try:
                while self._running and self.publish_batch() == self.settings.batch_size:
                    pass
                failures = 0
            except Exception as error:
                failures += 1
                self._disconnect()
                log.warning("outbox_relay_failed", error=repr(error), failures=failures)
            # measured when publishing fails too: that is when the oldest event ages
            if timed_sweep:
                self._measure_backlog_quietly()
            if failures:
                eventlet.sleep(min(0.5 * 2**failures, 30.0))
        self._disconnect()

    def stop(self) -> None:
        """Finish the batch in hand, then leave the loop and disconnect."""
        self._running = False
        self.kick()

    def kill(self) -> None:
        self._running = False
        self._disconnect()

    def publish_batch(self) -> int:
        """Publish the oldest unpublished events; return how many were published."""
        # a Core connection: the relay maps no objects, and a Session costs it a fifth more
        with self.gate.enter(), self.engine.begin() as connection:
            query = (
                select(outbox.c.id, outbox.c.source, outbox.c.event_type, outbox.c.message)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.id)
                .limit(self.settings.batch_size)
            )
            if self.engine.dialect.name == "postgresql":
                # several instances of a service relay side by side without sending twice
                query = query.with_for_update(skip_locked=True)
            rows = connection.execute(query).all()
            if not rows:
                return 0
            with publishing(self.tracer, map(_traced, rows)) as traceparents:
                self.publisher.publish(_outgoing(row, traceparents.get(row.id)) for row in rows)
            connection.execute(
                update(outbox)
                .where(outbox.c.id.in_([row.id for row in rows]))
                .values(published_at=datetime.now(UTC))
            )
        OUTBOX_PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    def _measure_backlog_quietly(self) -> None:
        try:
            self.measure_backlog()
        except Exception as error:  # the database is away: the gauges keep their last values
            log.warning("outbox_backlog_not_measured", error=repr(error))

    def measure_backlog(self) -> None:
        """Set the gauges of what waits to be published: one query, outside the publishing
        path. An event left unpublished (a broker refusing, a relay stuck) shows as an
        oldest age that grows, however few wait."""
        with self.gate.enter(), Session(self.engine) as session:
            query = select(func.count(), func.min(outbox.c.created_at)).where(
                outbox.c.published_at.is_(None)
            )
            pending, oldest = session.execute(query).one()
        OUTBOX_PENDING.labels(self.service).set(pending)
        OUTBOX_OLDEST_SECONDS.labels(self.service).set(_age_seconds(oldest))

    def _disconnect(self) -> None:
        self.publisher.close()


def _age_seconds(created_at: datetime | None) -> float:
    if created_at is None:
        return 0.0
    if created_at.tzinfo is None:  # SQLite keeps no zone: the rows are written in UTC
        created_at = created_at.replace(tzinfo=UTC)
    return max((datetime.now(UTC) - created_at).total_seconds(), 0.0)


def _traced(row) -> tuple[int, str, str, str, str | None]:
    """What the event's producer span names: the row, exchange, type, id, the envelope's
    traceparent (the work that recorded the event)."""
    message = row.message
    transient = is_transient(row.source, row.event_type, message["version"])
    exchange = event_exchange(row.source, transient)
    return row.id, exchange.name, row.event_type, message["event_id"], message.get(TRACEPARENT_KEY)


def _outgoing(row, traceparent: str | None = None) -> Outgoing:
    transient = is_transient(row.source, row.event_type, row.message["version"])
    headers = {"nameko.correlation_id": row.message["correlation_id"]}
    if traceparent is not None:  # the producer span: the handlers' spans are its children
        headers[f"nameko.{TRACEPARENT_KEY}"] = traceparent
    return Outgoing(
        row.message,
        exchange=event_exchange(row.source, transient),
        routing_key=row.event_type,
        headers=headers,
        properties={"message_id": row.message["event_id"], "type": row.event_type},
        transient=transient,
    )
