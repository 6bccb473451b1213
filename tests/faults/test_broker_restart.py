"""RabbitMQ restarts while events flow: the services reconnect and no accepted event is lost.

A drill (`make drill`), not part of `make test`: it stops the machine's one broker, and with
quorum queues a broker back from `stop_app` spends a while recovering every queue of every
vhost; tests of the suite that start meanwhile wait on it.
"""

import subprocess
import time

import pytest
from sqlalchemy import func, select

from services.common.settings import database_url
from tests.support.clients import cluster_client
from tests.support.databases import database_transaction
from tests.support.pipeline import Entry, Tally
from tests.support.waiting import wait_for

BURST = 1500
PAUSE = 0.01  # the burst takes fifteen seconds at least: the broker stops (its CLI alone takes
# seconds to start) and is away in the middle of it, however quickly the first events flow


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


@pytest.fixture
def broker_comes_back():
    yield
    # whatever happened in the test, leave a running broker behind
    rabbitmqctl("start_app")
    rabbitmqctl("await_startup")


def accepted_entries() -> set[str]:
    """What the ledger committed: each of these was promised an event."""
    with database_transaction(database_url("ledger")) as connection:
        return set(connection.execute(select(Entry.entry_id)).scalars())


def tallies_per_entry() -> dict[str, int]:
    with database_transaction(database_url("tally")) as connection:
        rows = connection.execute(
            select(Tally.entry_id, func.count()).group_by(Tally.entry_id, Tally.handler)
        ).all()
    counts: dict[str, int] = {}
    for entry_id, count in rows:
        counts[entry_id] = max(counts.get(entry_id, 0), count)
    return counts


@pytest.mark.drill
def test_events_in_flight_survive_a_broker_restart(service_processes, broker_comes_back):
    service_processes("tally")
    service_processes("ledger")
    with cluster_client() as cluster:
        # the ledger keeps recording while the broker goes away; nobody waits for its reply
        cluster.ledger.record_many.call_async("burst", BURST, PAUSE)
        wait_for(lambda: len(tallies_per_entry()) >= 50, timeout=30)

    rabbitmqctl("stop_app")
    accepted_at_stop, handled_at_stop = len(accepted_entries()), len(tallies_per_entry())
    time.sleep(2)
    rabbitmqctl("start_app")
    rabbitmqctl("await_startup")

    assert accepted_at_stop > handled_at_stop, "the restart must happen while events flow"
    wait_for(lambda: len(accepted_entries()) == BURST, timeout=60)
    expected = {entry_id: 1 for entry_id in accepted_entries()}
    with cluster_client() as cluster:
        # every accepted event is handled, once, by each of the two handlers
        assert wait_for(lambda: cluster.tally.counts() == expected, timeout=60)
        assert wait_for(lambda: cluster.tally.counts("unless_broken") == expected, timeout=30)
        # and the services take new work after the restart
        cluster.ledger.record("after-restart", 1)
        assert wait_for(lambda: cluster.tally.counts().get("after-restart") == 1, timeout=30)
