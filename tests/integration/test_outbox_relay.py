"""The outbox relay sends the events of transactions that end together in one batch, and a
quiet service's event at once."""

from __future__ import annotations

import os

import eventlet
import pytest
from eventlet.event import Event as GreenEvent
from nameko import config
from sqlalchemy.orm import sessionmaker

from services.common.database import UnitOfWork
from services.common.engine import TransactionGate, create_service_engine
from services.common.migrations import drop_databases
from services.common.outbox import OutboxRelay
from services.common.settings import OutboxSettings
from tests.support.databases import POSTGRES_SERVER, postgres_database_url
from tests.support.pipeline import ENTRY_RECORDED
from tests.support.waiting import wait_for


@pytest.fixture
def ledger_database(rabbit_config, create_tables):
    """The ledger's database on PostgreSQL, where transactions run side by side."""
    prefix = f"rathaus_test_relay_{os.getpid()}"
    with config.patch({"DATABASES": {"ledger": postgres_database_url(prefix)}}):
        engine = create_service_engine(create_tables("ledger"))
    yield engine
    engine.dispose()
    drop_databases(POSTGRES_SERVER, prefix)


@pytest.fixture
def ledger(ledger_database):
    """The ledger's unit of work and relay (counting the events of each batch it sends)."""
    relays: list[OutboxRelay] = []

    def start(linger: float) -> tuple[UnitOfWork, list[int]]:
        engine = ledger_database
        settings = OutboxSettings(sweep_interval=600, linger=linger)  # no timed sweep
        gate = TransactionGate(engine)
        relay = OutboxRelay(engine, gate, config["AMQP_URI"], settings, service="ledger")
        batches: list[int] = []
        publish = relay.publisher.publish

        def counted(messages):
            messages = list(messages)
            batches.append(len(messages))
            return publish(messages)

        relay.publisher.publish = counted  # type: ignore[method-assign]
        eventlet.spawn(relay.run)
        relays.append(relay)
        return UnitOfWork(sessionmaker(engine), gate, relay, "ledger", {}), batches

    yield start
    for relay in relays:
        relay.stop()


def record(uow: UnitOfWork, until: GreenEvent | None = None) -> None:
    """A transaction that records an event; with `until`, it ends only once that is sent."""
    with uow.transaction() as tx:
        tx.publish(ENTRY_RECORDED, {"entry_id": "e", "amount": 1})
        if until is not None:
            until.wait()


def test_an_event_waits_for_the_transactions_recording_beside_it_and_leaves_with_theirs(
    ledger,
):
    uow, batches = ledger(linger=60)
    release = GreenEvent()
    slower = eventlet.spawn(record, uow, release)
    eventlet.sleep(0)  # it has recorded its event and waits

    record(uow)
    eventlet.sleep(0.2)
    assert batches == []  # the relay waits for the slower transaction

    release.send()
    slower.wait()
    assert wait_for(lambda: batches == [2])


def test_a_quiet_services_event_leaves_at_once(ledger):
    uow, batches = ledger(linger=60)  # a minute: a wait would be seen

    record(uow)
    assert wait_for(lambda: batches == [1], timeout=10)
    record(uow)
    assert wait_for(lambda: batches == [1, 1], timeout=10)


def test_a_transaction_that_takes_long_holds_the_others_events_no_longer_than_the_linger(
    ledger,
):
    uow, batches = ledger(linger=0.2)
    release = GreenEvent()
    slow = eventlet.spawn(record, uow, release)
    eventlet.sleep(0)

    record(uow)
    assert wait_for(lambda: batches == [1], timeout=10)

    release.send()
    slow.wait()
    assert wait_for(lambda: batches == [1, 1])
