"""The services' PostgreSQL pools are sized from configuration (DB_POOL_*), by default to the
service's whole concurrency, so that a busy service keeps its connections instead of opening
and closing one per transaction."""

from __future__ import annotations

import os

import eventlet
import pytest
from nameko import config
from sqlalchemy import event, text

from services.common.engine import POOL_HEADROOM, create_service_engine
from services.common.migrations import drop_databases, ensure_database_exists
from tests.support.databases import POSTGRES_SERVER, postgres_database_url

from .files import PRODUCTION_CONFIG, load_nameko_config

URL = "postgresql://rathaus:secret@db.example.org:5432/rathaus_feedback"


def _pool_of(settings: dict) -> tuple[int, int, int, float]:
    with config.patch(settings, clear=True):
        engine = create_service_engine(URL)  # creating an engine connects to nothing
    pool = engine.pool
    return pool.size(), pool._max_overflow, pool._recycle, pool._timeout  # type: ignore[attr-defined]


def test_the_pool_settings_from_the_environment_reach_the_engine():
    production = load_nameko_config(
        PRODUCTION_CONFIG,
        {
            "DB_POOL_SIZE": "7",
            "DB_MAX_OVERFLOW": "3",
            "DB_POOL_RECYCLE": "600",
            "DB_POOL_TIMEOUT": "5",
        },
    )

    assert _pool_of(production) == (7, 3, 600, 5.0)


def test_by_default_the_pool_keeps_a_connection_for_every_worker_and_the_relay():
    production = load_nameko_config(PRODUCTION_CONFIG, {"MAX_WORKERS": "40"})

    size, overflow, recycle, _ = _pool_of(production)
    assert size == 40 + POOL_HEADROOM
    assert (overflow, recycle) == (10, 1800)
    assert _pool_of(load_nameko_config(PRODUCTION_CONFIG))[0] == 20 + POOL_HEADROOM


@pytest.fixture
def postgres_database():
    prefix = f"rathaus_test_pool_{os.getpid()}"
    url = postgres_database_url(prefix)
    ensure_database_exists(url)
    yield url
    drop_databases(POSTGRES_SERVER, prefix)


@pytest.mark.server  # the machine's PostgreSQL
def test_a_service_busy_with_all_its_workers_opens_its_connections_once(postgres_database):
    """Two waves of max_workers concurrent transactions: the second finds every connection
    the first opened still open (a pool smaller than the concurrency closes its overflow
    on return, and the next wave starts PostgreSQL backends anew)."""
    max_workers = 20
    with config.patch({"max_workers": max_workers}, clear=True):
        engine = create_service_engine(postgres_database)
    opened: list[object] = []
    event.listen(engine.pool, "connect", lambda connection, _record: opened.append(connection))

    def transaction() -> None:
        with engine.begin() as connection:
            connection.execute(text("SELECT pg_sleep(0.05)"))

    try:
        for wave in (1, 2):
            pool = eventlet.GreenPool(max_workers)
            for _ in range(max_workers):
                pool.spawn(transaction)
            pool.waitall()
            if wave == 1:
                first_wave = len(opened)
        assert first_wave >= max_workers // 2  # the waves did overlap
        assert len(opened) == first_wave
        assert engine.pool.checkedin() == first_wave  # type: ignore[attr-defined]
    finally:
        engine.dispose()
