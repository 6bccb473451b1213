"""RabbitMQ restarts while events flow: the services reconnect and no accepted event is lost."""

import subprocess
import time

import pytest

from tests.support.clients import cluster_client
from tests.support.waiting import wait_for

BURST = 300


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


@pytest.fixture
def broker_comes_back():
    yield
    # whatever happened in the test, leave a running broker behind
    rabbitmqctl("start_app")
    rabbitmqctl("await_startup")


def test_events_in_flight_survive_a_broker_restart(service_processes, broker_comes_back):
    service_processes("tally")
    service_processes("ledger")
    with cluster_client() as cluster:
        assert cluster.ledger.record_many("burst", BURST) == BURST
        in_flight = BURST - len(cluster.tally.counts())

    rabbitmqctl("stop_app")
    time.sleep(2)
    rabbitmqctl("start_app")
    rabbitmqctl("await_startup")

    expected = {f"burst-{n}": 1 for n in range(BURST)}
    with cluster_client() as cluster:
        assert wait_for(lambda: cluster.tally.counts() == expected, timeout=60)
        assert wait_for(lambda: cluster.tally.counts("unless_broken") == expected, timeout=30)
        # and the services take new work after the restart
        cluster.ledger.record("after-restart", 1)
        assert wait_for(lambda: cluster.tally.counts().get("after-restart") == 1, timeout=30)
    assert in_flight > 0, "the restart must happen while events are still flowing"
