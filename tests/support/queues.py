"""What the broker's management API says of a queue of the tests' vhost."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests
from nameko import config


def queue_details(queue: str) -> dict[str, Any]:
    vhost = config["AMQP_URI"].rsplit("/", 1)[1]
    answer = requests.get(
        f"http://127.0.0.1:15672/api/queues/{vhost}/{quote(queue, safe='')}",
        auth=("guest", "guest"),
        timeout=5,
    )
    answer.raise_for_status()
    return answer.json()


def consumers_of(queue: str) -> int:
    # the management API fills in consumer figures a moment after the queue appears
    return queue_details(queue).get("consumers", 0)


def prefetch_of(queue: str) -> list[int]:
    """How many unacknowledged messages each consumer of the queue may hold."""
    return [
        consumer["prefetch_count"] for consumer in queue_details(queue).get("consumer_details", [])
    ]
