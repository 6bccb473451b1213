"""Small services that exercise the plumbing end to end: a ledger records entries and
publishes `entry_recorded`; a tally counts each entry it hears of, once; a batch tally does
the same with the events that come together, many to a transaction."""

from __future__ import annotations

import os
from uuid import uuid4

import eventlet
from marshmallow import Schema, fields
from nameko import config
from nameko.standalone.events import get_event_exchange
from sqlalchemy import Integer, String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common import service as common
from services.common.batch_publish import BatchPublisher, Outgoing
from services.common.events import Event, define_event
from services.common.handlers import event_handler
from services.common.rpc_entrypoint import rpc


class Base(DeclarativeBase):
    pass


class Entry(Base):
    __tablename__ = "entries"
    entry_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)


class Tally(Base):
    __tablename__ = "tallies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(64), index=True)
    handler: Mapped[str] = mapped_column(String(64))


class EntryRecorded(Schema):
    entry_id = fields.String(required=True)
    amount = fields.Integer(required=True)


ENTRY_RECORDED = define_event(
    "ledger", "entry_recorded", EntryRecorded, description="An entry was recorded."
)


def publish_raw(*messages: dict) -> None:
    """Publish messages as the ledger's relay would, in one confirmed batch: past the
    ledger's outbox, so a test chooses what arrives (twice, malformed, together)."""
    exchange = get_event_exchange("ledger")
    publisher = BatchPublisher(config["AMQP_URI"])
    try:
        publisher.publish(
            # the message id names a message the broker returns; the same event sent twice
            # is two messages
            Outgoing(message, exchange, message["type"], properties={"message_id": uuid4().hex})
            for message in messages
        )
    finally:
        publisher.close()


class Ledger(common.ServiceBase):
    name = "ledger"

    @rpc
    def record(self, entry_id: str, amount: int) -> str:
        with self.db.transaction() as tx:
            tx.session.add(Entry(entry_id=entry_id, amount=amount))
            tx.publish(ENTRY_RECORDED, {"entry_id": entry_id, "amount": amount})
        return entry_id

    @rpc
    def record_many(self, prefix: str, count: int, pause: float = 0.0) -> int:
        """Record `count` entries one transaction each, `pause` seconds apart."""
        for number in range(count):
            self.record(f"{prefix}-{number}", number)
            if pause:
                eventlet.sleep(pause)
        return count


class TallyService(common.ServiceBase):
    name = "tally"

    @event_handler(ENTRY_RECORDED)
    def count_entry(self, event: Event) -> None:
        with self.db.transaction(handling=event) as tx:
            tx.session.add(Tally(entry_id=event.payload["entry_id"], handler="count_entry"))

    @event_handler(ENTRY_RECORDED)
    def count_entry_unless_broken(self, event: Event) -> None:
        """Fails while the file named by TALLY_BROKEN_FLAG exists: a bug, then its fix."""
        flag = os.environ.get("TALLY_BROKEN_FLAG")
        with self.db.transaction(handling=event) as tx:
            if flag and os.path.exists(flag):
                raise RuntimeError("tally is broken")
            tx.session.add(Tally(entry_id=event.payload["entry_id"], handler="unless_broken"))

    @rpc
    def counts(self, handler: str = "count_entry") -> dict[str, int]:
        with self.db.transaction() as tx:
            rows = tx.session.execute(
                select(Tally.entry_id, func.count())
                .where(Tally.handler == handler)
                .group_by(Tally.entry_id)
            ).all()
        return {entry_id: count for entry_id, count in rows}


class RefusedEntry(Exception):
    """An entry no tally takes: a negative amount."""


class BatchTallyService(common.ServiceBase):
    name = "batch_tally"

    @event_handler(ENTRY_RECORDED, batch=20, permanent=(RefusedEntry,))
    def count_entries(self, events: list[Event]) -> None:
        with self.db.transaction(handling=events) as tx:
            for event in tx.fresh:
                if event.payload["amount"] < 0:
                    raise RefusedEntry(f"{event.payload['entry_id']} has a negative amount")
                tx.session.add(Tally(entry_id=event.payload["entry_id"], handler="in_batches"))

    @rpc
    def counts(self) -> dict[str, int]:
        with self.db.transaction() as tx:
            # read before the transaction ends: SQLite's rows are fetched as they are read
            query = select(Tally.entry_id, func.count()).group_by(Tally.entry_id)
            rows = tx.session.execute(query).all()
        return {entry_id: count for entry_id, count in rows}
