"""Watching the events a service publishes, as a consumer of its exchange would see them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from kombu import Connection, Queue, binding
from nameko.standalone.events import get_event_exchange

from services.common.settings import amqp_uri
from services.common.topology import transient_exchange
from tests.support.waiting import wait_for


class EventTap:
    """A private queue bound to every event of one source, transient ones too; start it
    before acting."""

    def __init__(self, source: str) -> None:
        self.connection = Connection(amqp_uri())
        self.queue = Queue(
            f"test-tap-{source}-{uuid.uuid4().hex[:8]}",
            bindings=[
                binding(get_event_exchange(source), routing_key="#"),
                binding(transient_exchange(source), routing_key="#"),
            ],
            exclusive=True,
            auto_delete=True,
        )
        self.queue(self.connection.default_channel).declare()
        self.seen: list[dict[str, Any]] = []

    def drain(self) -> list[dict[str, Any]]:
        bound = self.queue(self.connection.default_channel)
        while (message := bound.get(no_ack=True)) is not None:
            self.seen.append(json.loads(message.body))
        return self.seen

    def of_type(self, event_type: str) -> list[dict[str, Any]]:
        return [event for event in self.drain() if event["type"] == event_type]

    def wait_for(self, event_type: str, count: int = 1, timeout: float = 10.0) -> list[dict]:
        """The events of a type once at least `count` have come; fails after `timeout`."""
        return wait_for(
            lambda: (found := self.of_type(event_type)) and len(found) >= count and found,
            timeout=timeout,
        )

    def wait_for_one(self, event_type: str, timeout: float = 10.0, **payload: Any) -> dict:
        """The first event of a type whose payload has the values given."""

        def matching() -> dict | None:
            return next(
                (
                    event
                    for event in self.of_type(event_type)
                    if all(event["payload"].get(key) == value for key, value in payload.items())
                ),
                None,
            )

        return wait_for(matching, timeout=timeout)

    def close(self) -> None:
        self.connection.close()
