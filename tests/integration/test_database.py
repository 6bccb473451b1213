"""The database dependency on PostgreSQL does not block the eventlet hub."""

import os
import time

import pytest
from nameko import config

from services.common.migrations import drop_databases
from tests.support.calls import Back
from tests.support.clients import cluster_client

POSTGRES_SERVER = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def back_on_postgresql(rabbit_config, runner_factory, create_tables):
    prefix = f"rathaus_test_overlap_{os.getpid()}"
    database = POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{prefix}"
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
