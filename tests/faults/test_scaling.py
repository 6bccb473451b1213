"""Operators scale a service by starting more instances: they share the work, once each."""

import requests
from nameko import config

from tests.support.clients import cluster_client
from tests.support.waiting import wait_for

QUEUE = "evt-ledger-entry_recorded--tally.count_entry"


def consumers_of(queue: str) -> int:
    vhost = config["AMQP_URI"].rsplit("/", 1)[1]
    answer = requests.get(
        f"http://127.0.0.1:15672/api/queues/{vhost}/{queue}", auth=("guest", "guest"), timeout=5
    )
    answer.raise_for_status()
    # the management API fills in consumer figures a moment after the queue appears
    return answer.json().get("consumers", 0)


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
