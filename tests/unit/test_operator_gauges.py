"""The gauges operators alert on move with what they measure: the oldest unpublished outbox
event (also while publishing fails, when it matters), the database pool in use, and the
outcome a caller sees of an RPC."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import insert

from services.common.engine import TransactionGate
from services.common.errors import InvalidInput, ServiceUnavailable
from services.common.outbox import OutboxRelay
from services.common.pool_metrics import watch_pool
from services.common.rpc_metrics import call_outcome
from services.common.settings import OutboxSettings
from services.common.tables import outbox
from tests.support.waiting import wait_for

NO_BROKER = "pyamqp://guest:guest@127.0.0.1:1/"


def sample(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


@pytest.fixture
def engine(plumbing_engine):
    return plumbing_engine


def an_unpublished_event(engine, age: timedelta) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(outbox),
            {
                "event_id": str(uuid.uuid4()),
                "source": "ledger",
                "event_type": "entry_recorded",
                "message": {"version": 1, "correlation_id": None, "event_id": "x"},
                "created_at": datetime.now(UTC) - age,
            },
        )


def relay_of(engine, service: str, sweep_interval: float = 2.0) -> OutboxRelay:
    settings = OutboxSettings(sweep_interval=sweep_interval)
    return OutboxRelay(engine, TransactionGate(engine), NO_BROKER, settings, service=service)


def test_the_oldest_unpublished_event_is_measured_by_its_age(engine):
    service = f"ledger-{uuid.uuid4().hex[:6]}"
    an_unpublished_event(engine, timedelta(seconds=90))
    an_unpublished_event(engine, timedelta(seconds=5))

    relay_of(engine, service).measure_backlog()

    assert 90 <= sample("rathaus_outbox_oldest_seconds", service=service) < 120
    assert sample("rathaus_outbox_pending", service=service) == 2


def test_an_empty_outbox_has_no_oldest_event(engine):
    service = f"ledger-{uuid.uuid4().hex[:6]}"

    relay_of(engine, service).measure_backlog()

    assert sample("rathaus_outbox_oldest_seconds", service=service) == 0


def test_the_outbox_is_measured_while_its_relay_cannot_publish(engine):
    service = f"ledger-{uuid.uuid4().hex[:6]}"
    an_unpublished_event(engine, timedelta(minutes=10))
    relay = relay_of(engine, service, sweep_interval=0.05)

    # no broker listens: every publish fails; a thread of its own (green where the run is
    # monkey-patched), as the service runs it beside its workers
    threading.Thread(target=relay.run, daemon=True).start()
    try:
        assert wait_for(
            lambda: (sample("rathaus_outbox_oldest_seconds", service=service) or 0) >= 600
        )
    finally:
        relay.kill()


def test_the_pool_gauges_count_connections_held_and_opened(engine):
    service = f"pooled-{uuid.uuid4().hex[:6]}"
    watch_pool(engine, service)

    with engine.connect():
        assert sample("rathaus_db_pool_checked_out", service=service) == 1
        with engine.connect():
            assert sample("rathaus_db_pool_checked_out", service=service) == 2

    assert sample("rathaus_db_pool_checked_out", service=service) == 0
    assert sample("rathaus_db_pool_size", service=service) == engine.pool.size()
    assert sample("rathaus_db_connections_opened_total", service=service) >= 1


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (None, "ok"),
        (InvalidInput("no such slot"), "refused"),
        (ServiceUnavailable("The appointments service is not running."), "unavailable"),
        (KeyError("a bug"), "error"),
    ],
)
def test_a_callers_outcome_tells_a_refusal_from_an_outage_and_a_bug(error, outcome):
    assert call_outcome(error) == outcome
