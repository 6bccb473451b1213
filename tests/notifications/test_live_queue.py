"""Items for the clerks' live stream are of the moment. With no gateway to take them they
are dropped and counted, never parked in rathaus.unroutable among the real losses (the
broker's production policies applied); with a gateway running, its clerks still get them."""

from __future__ import annotations

from urllib.parse import urlparse

from kombu import Connection
from prometheus_client import REGISTRY

from services.common.settings import amqp_uri
from services.common.topology import UNROUTABLE_QUEUE
from tests.deployment.test_rabbitmq_policies import (  # noqa: F401 (fixtures)
    apply_policies,
    management,
    rabbitmqadmin,
)
from tests.gateway.test_live_stream import StreamClient
from tests.notifications.test_office import submitted
from tests.support.clients import as_caller
from tests.support.publishing import publish
from tests.support.vhosts import queues_bound
from tests.support.waiting import wait_for

QUEUE_ITEM = {"exchange": "notifications.transient", "event_type": "clerk_queue_item_added"}


def dropped() -> float:
    return REGISTRY.get_sample_value("rathaus_events_dropped_total", QUEUE_ITEM) or 0.0


def parked_types() -> list[str]:
    """The types of the events parked in rathaus.unroutable, taken off it."""
    types = []
    with Connection(amqp_uri()) as connection:
        queue = UNROUTABLE_QUEUE(connection.channel())
        queue.declare()
        while (message := queue.get(no_ack=True)) is not None:
            types.append(message.payload["type"])
    return types


def test_with_no_gateway_running_a_queue_item_is_dropped_and_counted_not_parked(
    management,  # noqa: F811
    rabbitmqadmin,  # noqa: F811
    notifications,
):
    apply_policies(management, rabbitmqadmin, urlparse(amqp_uri()).path[1:])
    before = dropped()

    publish("applications", "application_submitted", submitted())

    wait_for(lambda: dropped() == before + 1, timeout=10)
    with as_caller("clerk", "clara", ("traffic",)) as clara:
        [queued] = clara.notifications.inbox()["items"]  # the clerk reads it there
    assert queued["title"] == "Neuer Antrag 2026-BPA-000123 (bewohnerparkausweis)"
    # what no consumer took besides is parked, as before: the queue item is not among it
    parked = wait_for(parked_types, timeout=10)
    assert "notification_sent" in parked
    assert "clerk_queue_item_added" not in parked


def test_with_a_gateway_running_its_clerks_still_get_the_item_live(
    rabbit_manager, notifications, start_gateway, login, web_config_port
):
    start_gateway()
    vhost = urlparse(amqp_uri()).path[1:]
    exchange, event_type = QUEUE_ITEM["exchange"], QUEUE_ITEM["event_type"]
    wait_for(lambda: queues_bound(rabbit_manager, vhost, exchange, event_type), timeout=30)
    stream = StreamClient(
        f"http://127.0.0.1:{web_config_port}", login("clerk", "clara", ["traffic"])
    )
    before = dropped()
    try:
        event = publish("applications", "application_submitted", submitted())

        [item] = wait_for(stream.items, timeout=10)
    finally:
        stream.close()
    assert item["event_id"] == str(event.event_id) and item["department"] == "traffic"
    assert dropped() == before
