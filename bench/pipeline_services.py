"""The services the event bench drives: a ledger that records entries, each in a
transaction of its own with an `entry_recorded` event in the outbox, and a tally that
counts each entry it hears of, once (inbox), in its own database."""

from __future__ import annotations

import time

import eventlet
from eventlet.event import Event as GreenEvent
from eventlet.greenpool import GreenPool
from marshmallow import Schema, fields
from sqlalchemy import Integer, String, insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common import service as common
from services.common.events import Event, define_event
from services.common.handlers import event_handler

rpc = common.rpc


class Base(DeclarativeBase):
    pass


class Entry(Base):
    __tablename__ = "bench_entries"
    entry_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    amount: Mapped[int] = mapped_column(Integer)


class Tally(Base):
    __tablename__ = "bench_tallies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(64))


# the entry and its count written as Celery's peer writes them, one plain INSERT each: the
# bench compares the pipelines, not an ORM's unit of work with a bare statement
RECORD_ENTRY = insert(Entry.__table__)
COUNT_ENTRY = insert(Tally.__table__)


class EntryRecorded(Schema):
    entry_id = fields.String(required=True)
    amount = fields.Integer(required=True)


ENTRY_RECORDED = define_event(
    "bench_ledger", "entry_recorded", EntryRecorded, description="Bench: an entry."
)


class Recorder:
    """What the tally has handled in this process: latencies, and when the last one came."""

    def __init__(self) -> None:
        self.expect(0)

    def expect(self, events: int) -> None:
        self.expected = events
        self.latencies: list[float] = []
        self.done = GreenEvent()

    def handled(self, event: Event) -> None:
        now = time.time()
        self.latencies.append(now - event.occurred_at.timestamp())
        if len(self.latencies) == self.expected:
            self.done.send(now)


RECORDER = Recorder()


class BenchLedger(common.ServiceBase):
    name = "bench_ledger"

    @rpc
    def record_many(self, prefix: str, count: int, concurrency: int, pace: float = 0.0) -> float:
        """Record `count` entries from `concurrency` greenthreads, starting one every `pace`
        s at most; return when it started."""
        started = time.time()
        pool = GreenPool(concurrency)
        for number in range(count):
            pool.spawn_n(self._record, f"{prefix}-{number}", number)
            if pace:
                eventlet.sleep(pace)
        pool.waitall()
        return started

    def _record(self, entry_id: str, amount: int) -> None:
        with self.db.transaction() as tx:
            tx.session.execute(RECORD_ENTRY, {"entry_id": entry_id, "amount": amount})
            tx.publish(ENTRY_RECORDED, {"entry_id": entry_id, "amount": amount})


TALLY_BATCH = 50  # events the tally counts in one transaction at most


class BenchTally(common.ServiceBase):
    name = "bench_tally"

    @event_handler(ENTRY_RECORDED, batch=TALLY_BATCH)
    def count_entries(self, events: list[Event]) -> None:
        with self.db.transaction(handling=events) as tx:
            if tx.fresh:
                tx.session.execute(
                    COUNT_ENTRY, [{"entry_id": event.payload["entry_id"]} for event in tx.fresh]
                )
        for event in tx.fresh:
            RECORDER.handled(event)
