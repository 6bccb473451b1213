"""Operators scale a service by starting more instances: they share the work, once each."""

from tests.support.clients import cluster_client
from tests.support.queues import consumers_of
from tests.support.waiting import wait_for

QUEUE = "evt-ledger-entry_recorded--tally.count_entry"


def test_two_instances_of_a_service_handle_each_event_once_between_them(service_processes):
    service_processes("tally")
    service_processes("tally")
    service_processes("ledger")
    # each instance is a process of its own: on a busy machine starting one takes a while
    assert wait_for(lambda: consumers_of(QUEUE) == 2, timeout=60)

    with cluster_client() as cluster:
        cluster.ledger.record_many("shared", 200)
        expected = {f"shared-{n}": 1 for n in range(200)}
        assert wait_for(lambda: cluster.tally.counts() == expected, timeout=30)
        assert wait_for(lambda: cluster.tally.counts("unless_broken") == expected, timeout=30)
