"""The transactional outbox and its relay.

A service writes its state change and the events it causes in one database transaction
(`record_event`). The relay publishes committed events to RabbitMQ, persistent and with
publisher confirms, and only then marks them published. It is kicked right after each
commit for latency and sweeps on a timer for whatever a crash or a broker outage left
behind. A crash between publish and mark publishes again: consumers' inboxes absorb that.
Each timed sweep also counts what is still unpublished, for the `rathaus_outbox_pending`
gauge; a kick does not, so the path right after a commit stays as short as it was.
"""

from __future__ import annotations

from datetime import UTC, datetime

import eventlet
from eventlet.event import Event as GreenEvent
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session

from services.common.batch_publish import BatchPublisher, Outgoing
from services.common.engine import TransactionGate
from services.common.events import Event, is_transient
from services.common.logging import get_logger
from services.common.metrics import OUTBOX_PENDING, OUTBOX_PUBLISHED
from services.common.settings import OutboxSettings
from services.common.tables import outbox
from services.common.topology import event_exchange

log = get_logger(__name__)


_RECORD = insert(outbox)  # built once: a statement per event cost more than the insert


def record_event(session: Session, source: str, event: Event) -> None:
    session.execute(
        _RECORD,
        {
            "event_id": str(event.event_id),
            "source": source,
            "event_type": event.type,
            "message": event.to_message(),
            "created_at": datetime.now(UTC),
        },
    )


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
        self._running = False
        self.publisher = BatchPublisher(amqp_uri)

    def kick(self) -> None:
        if not self._kicked.ready():
            self._kicked.send(True)

    def run(self) -> None:
        self._running = True
        failures = 0
        while self._running:
            with eventlet.Timeout(self.settings.sweep_interval, False):
                self._kicked.wait()
            timed_sweep = not self._kicked.ready()
            self._kicked = GreenEvent()
            try:
                while self._running and self.publish_batch() == self.settings.batch_size:
                    pass
                if timed_sweep:
                    OUTBOX_PENDING.labels(self.service).set(self.count_pending())
                failures = 0
            except Exception as error:
                failures += 1
                self._disconnect()
                log.warning("outbox_relay_failed", error=repr(error), failures=failures)
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
        with self.gate.enter(), Session(self.engine) as session, session.begin():
            query = (
                select(outbox.c.id, outbox.c.source, outbox.c.event_type, outbox.c.message)
                .where(outbox.c.published_at.is_(None))
                .order_by(outbox.c.id)
                .limit(self.settings.batch_size)
            )
            if self.engine.dialect.name == "postgresql":
                # several instances of a service relay side by side without sending twice
                query = query.with_for_update(skip_locked=True)
            rows = session.execute(query).all()
            if not rows:
                return 0
            self.publisher.publish(_outgoing(row) for row in rows)
            session.execute(
                update(outbox)
                .where(outbox.c.id.in_([row.id for row in rows]))
                .values(published_at=datetime.now(UTC))
            )
        OUTBOX_PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    def count_pending(self) -> int:
        """How many events wait to be published: one COUNT, outside the publishing path."""
        with self.gate.enter(), Session(self.engine) as session:
            query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            return session.execute(query).scalar_one()

    def _disconnect(self) -> None:
        self.publisher.close()


def _outgoing(row) -> Outgoing:
    transient = is_transient(row.source, row.event_type, row.message["version"])
    return Outgoing(
        row.message,
        exchange=event_exchange(row.source, transient),
        routing_key=row.event_type,
        headers={"nameko.correlation_id": row.message["correlation_id"]},
        properties={"message_id": row.message["event_id"], "type": row.event_type},
        transient=transient,
    )
