"""The database does not block the eventlet hub: on PostgreSQL workers' queries overlap; on
SQLite whoever waits for the write lock in this process yields while they wait."""

import os
import time

import eventlet
import pytest
from eventlet.event import Event
from nameko import config
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.common.engine import TransactionGate, create_service_engine, database_away
from services.common.errors import ServiceUnavailable
from services.common.migrations import drop_databases
from tests.support.calls import Back
from tests.support.clients import cluster_client
from tests.support.databases import (
    POSTGRES_SERVER,
    database_transaction,
    postgres_behind_a_relay,
    postgres_database_url,
)
from tests.support.processes import free_port
from tests.support.tcp_relay import TcpRelay


@pytest.fixture
def back_on_postgresql(rabbit_config, runner_factory, create_tables):
    prefix = f"rathaus_test_overlap_{os.getpid()}"
    database = postgres_database_url(prefix)
    with config.patch({"DATABASES": {"back": database}}):
        create_tables("back")
        runner_factory(Back).start()
        yield
    drop_databases(POSTGRES_SERVER, prefix)


def test_two_workers_database_calls_overlap_instead_of_queueing(back_on_postgresql):
    with cluster_client() as cluster:
        cluster.back.sleep_in_database(0.01)  # warm the connection pool
        started = time.monotonic()
        calls = [cluster.back.sleep_in_database.call_async(0.5) for _ in range(4)]
        assert [call.result() for call in calls] == [0.5] * 4
        elapsed = time.monotonic() - started
    # four half-second queries one after another would take two seconds
    assert elapsed < 1.0, f"four 0.5 s queries took {elapsed:.2f} s: the hub was blocked"


def test_a_service_whose_database_is_away_answers_unavailable_not_an_internal_error(
    rabbit_config, runner_factory
):
    # a PostgreSQL server that is down: nothing listens on its port
    away = f"postgresql://postgres@127.0.0.1:{free_port()}/back"
    with config.patch({"DATABASES": {"back": away}}):
        runner_factory(Back).start()
        with cluster_client() as cluster, pytest.raises(ServiceUnavailable) as raised:
            cluster.back.sleep_in_database(0.01)
    assert raised.value.code == "service_unavailable"
    assert raised.value.details == {"service": "back"}
    assert "try again" in raised.value.message


def test_a_tests_transaction_waits_its_turn_behind_a_service_transaction_that_yields(tmp_path):
    url = f"sqlite:///{tmp_path}/shared.db"
    with database_transaction(url) as connection:
        connection.execute(text("CREATE TABLE entries (name TEXT)"))
    service_engine = create_service_engine(url)
    holding, release = Event(), Event()

    def service_transaction() -> None:
        # as a service's worker does: the lock held across a switch (a publish, a call)
        with TransactionGate(service_engine).enter(), service_engine.begin() as connection:
            connection.execute(text("INSERT INTO entries VALUES ('service')"))
            holding.send()
            release.wait()

    service = eventlet.spawn(service_transaction)
    holding.wait()
    eventlet.spawn(release.send)  # runs once the test's transaction yields to wait
    started = time.monotonic()
    with database_transaction(url) as connection:
        connection.execute(text("INSERT INTO entries VALUES ('test')"))
        names = connection.execute(text("SELECT name FROM entries")).scalars().all()
    service.wait()
    service_engine.dispose()

    assert names == ["service", "test"]
    assert time.monotonic() - started < 2.0, "the test waited in C, the hub stalled"


@pytest.fixture
def through_a_relay():
    """PostgreSQL reached through a relay: closed and opened again, it cuts the pooled
    connections it carried, as a restart of the database does."""
    with postgres_behind_a_relay() as (relay, url):
        yield relay, url


def one_query(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT 1")).scalar_one()


def restart_behind(relay: TcpRelay) -> None:
    relay.close()
    relay.open()


def test_a_rested_connection_cut_by_a_restart_is_replaced_unseen(through_a_relay):
    relay, url = through_a_relay
    with config.patch({"DATABASE_POOL": {"size": 1, "ping_after": 0}}):  # rested at once
        engine = create_service_engine(url)
    try:
        assert one_query(engine) == 1
        restart_behind(relay)

        assert one_query(engine) == 1  # the ping found it cut; a new one answered
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged_and_a_restart_costs_one_transaction(
    through_a_relay,
):
    relay, url = through_a_relay
    with config.patch({"DATABASE_POOL": {"size": 1, "ping_after": 3600}}):  # never rested
        engine = create_service_engine(url)
    try:
        assert one_query(engine) == 1
        restart_behind(relay)

        with pytest.raises(DBAPIError) as failed:
            one_query(engine)
        assert database_away(failed.value)  # a 503, an event retried later: not a bug
        assert one_query(engine) == 1  # the pool was renewed
    finally:
        engine.dispose()
