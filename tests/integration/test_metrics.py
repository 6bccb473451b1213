"""The Prometheus metrics move with what the services do.

The registry is global to the process and other tests count into it too: every assertion
is on the change a test makes, read before and after.
"""

from __future__ import annotations

from prometheus_client import REGISTRY

from services.common import dead_letters
from services.common.events import Event
from tests.support.pipeline import publish_raw
from tests.support.waiting import wait_for


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Delta:
    """How far a sample moved since this object was made."""

    def __init__(self, name: str, **labels: str) -> None:
        self.name, self.labels = name, labels
        self.before = sample(name, **labels)

    def __call__(self) -> float:
        return sample(self.name, **self.labels) - self.before


def worker_total(service: str, entrypoint: str, outcome: str) -> Delta:
    return Delta("rathaus_worker_total", service=service, entrypoint=entrypoint, outcome=outcome)


def test_a_handled_event_counts_an_ok_worker_and_a_published_outbox_row(pipeline):
    cluster, _ = pipeline
    handled = worker_total("tally", "count_entry", "ok")
    recorded = worker_total("ledger", "record", "ok")
    published = Delta("rathaus_outbox_published_total", service="ledger")
    timed = Delta(
        "rathaus_worker_seconds_count", service="tally", entrypoint="count_entry", kind="event"
    )

    cluster.ledger.record("counted", 1)

    assert wait_for(lambda: handled() == 1)
    assert recorded() == 1
    assert published() == 1
    assert timed() == 1
    assert wait_for(lambda: sample("rathaus_outbox_pending", service="ledger") == 0, timeout=5)


def test_an_event_delivered_twice_counts_one_ok_and_one_duplicate(pipeline):
    handled = worker_total("tally", "count_entry", "ok")
    duplicates = worker_total("tally", "count_entry", "duplicate")
    message = Event(type="entry_recorded", payload={"entry_id": "twice", "amount": 2}).to_message()

    publish_raw(message)
    publish_raw(message)

    assert wait_for(lambda: (handled(), duplicates()) == (1, 1))


def test_a_broken_handler_counts_each_retry_and_its_dead_letter(pipeline, platform_config):
    cluster, broken_flag = pipeline
    labels = {"service": "tally", "handler": "count_entry_unless_broken"}
    retried = Delta("rathaus_events_retried_total", **labels)
    dead_lettered = Delta("rathaus_events_dead_lettered_total", **labels)
    failed = worker_total("tally", "count_entry_unless_broken", "error")
    broken_flag.touch()

    cluster.ledger.record("unlucky", 7)
    wait_for(lambda: dead_letters.list_dead_letters(platform_config["AMQP_URI"]))

    assert retried() == platform_config["EVENTS"]["max_retries"] == 3
    assert wait_for(lambda: dead_lettered() == 1)
    assert wait_for(lambda: failed() == 4)  # the first try and three retries
