"""Publish a batch of messages, then wait once for the broker's confirms of all of them.

kombu's `confirm_publish` waits for each message's confirm before the next is sent: one
round trip to the broker per message. Here the channel is put in confirm mode and the
batch is written in one go; the broker acknowledges it (often with one `multiple` ack) and
the batch counts as published only when every message in it is confirmed. A nack, a lost
connection or a timeout raises, and the caller publishes the whole batch again later:
consumers' inboxes absorb the duplicates.

Messages are published `mandatory`: one that no queue takes comes back before its confirm
and is parked in the `rathaus.unroutable` queue, where an operator sees it, instead of
being dropped by the broker. A transient one (the clerks' live stream while no gateway
listens) is dropped and counted instead: nobody is missing it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kombu import Connection, Exchange, Producer

from services.common.logging import get_logger
from services.common.metrics import EVENTS_DROPPED, EVENTS_UNROUTABLE
from services.common.topology import UNROUTABLE_EXCHANGE, UNROUTABLE_QUEUE

log = get_logger(__name__)


class NotConfirmed(Exception):
    """The broker refused a message of the batch, or did not confirm it in time."""


@dataclass(frozen=True)
class Outgoing:
    body: Any
    exchange: Exchange
    routing_key: str
    headers: Mapping[str, Any] = field(default_factory=dict)
    properties: Mapping[str, Any] = field(default_factory=dict)
    # a broadcast of the moment: dropped, not parked, when no queue takes it
    transient: bool = False


def _drop(returned: list[Outgoing]) -> None:
    for message in returned:
        log.info(
            "transient_event_dropped",
            exchange=message.exchange.name,
            routing_key=message.routing_key,
        )
        EVENTS_DROPPED.labels(message.exchange.name, message.routing_key).inc()


class BatchPublisher:
    """One connection and one confirming channel, used by one greenthread at a time."""

    def __init__(self, amqp_uri: str, confirm_timeout: float = 30.0) -> None:
        self.amqp_uri = amqp_uri
        self.confirm_timeout = confirm_timeout
        self._connection: Connection | None = None
        self._producer: Producer | None = None
        self._published = 0  # delivery tag of the last message sent on the channel
        self._unconfirmed: set[int] = set()
        self._refused = 0
        self._returned: list[str] = []  # message ids the broker could not route

    def publish(self, messages: Iterable[Outgoing]) -> int:
        """Publish persistent messages; return once the broker has confirmed all of them.

        Each message needs a distinct `message_id` property: it names a returned message.
        """
        batch = {message.properties["message_id"]: message for message in messages}
        try:
            sent = self._publish_and_confirm(batch.values(), mandatory=True)
            returned, self._returned = self._returned, []
            lost = [batch[message_id] for message_id in returned]
            _drop([message for message in lost if message.transient])
            self._park([message for message in lost if not message.transient])
        except Exception:
            self.close()
            raise
        return sent

    def _publish_and_confirm(self, messages: Iterable[Outgoing], *, mandatory: bool) -> int:
        producer = self._ensure_producer()
        first = self._published + 1
        self._refused = 0
        for message in messages:
            producer.publish(
                message.body,
                exchange=message.exchange,
                routing_key=message.routing_key,
                headers=dict(message.headers),
                serializer="json",
                delivery_mode=2,
                declare=[message.exchange],
                retry=False,
                mandatory=mandatory,
                **message.properties,
            )
            self._published += 1
            self._unconfirmed.add(self._published)
        self._wait_for_confirms()
        return self._published - first + 1

    def _park(self, returned: list[Outgoing]) -> None:
        if not returned:
            return
        for message in returned:
            log.warning(
                "event_unroutable_parked",
                exchange=message.exchange.name,
                routing_key=message.routing_key,
                queue=UNROUTABLE_QUEUE.name,
            )
        self._ensure_producer().maybe_declare(UNROUTABLE_QUEUE)
        self._publish_and_confirm(
            (
                Outgoing(
                    m.body,
                    exchange=UNROUTABLE_EXCHANGE,
                    routing_key=m.routing_key,
                    headers={**m.headers, "x-rathaus-exchange": m.exchange.name},
                    properties=m.properties,
                )
                for m in returned
            ),
            mandatory=False,
        )
        for message in returned:
            EVENTS_UNROUTABLE.labels(message.exchange.name).inc()

    def _on_return(self, exception, exchange, routing_key, message) -> None:
        # the broker hands back a mandatory message that no queue took, before confirming it
        self._returned.append(message.properties.get("message_id"))

    def close(self) -> None:
        """Drop the connection; the next batch opens a new one."""
        connection, self._connection, self._producer = self._connection, None, None
        if connection is not None:
            # closing a broken connection may fail: it is gone either way
            with contextlib.suppress(Exception):
                connection.release()

    def _wait_for_confirms(self) -> None:
        deadline = time.monotonic() + self.confirm_timeout
        while self._unconfirmed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NotConfirmed(f"no confirm within {self.confirm_timeout:g} s")
            assert self._connection is not None, "confirms are awaited on an open connection"
            try:
                self._connection.drain_events(timeout=remaining)
            except TimeoutError:
                continue
        if self._refused:
            raise NotConfirmed(f"the broker refused {self._refused} message(s)")

    def _on_ack(self, delivery_tag: int, multiple: bool) -> None:
        if multiple:
            self._unconfirmed = {tag for tag in self._unconfirmed if tag > delivery_tag}
        else:
            self._unconfirmed.discard(delivery_tag)

    def _on_nack(self, delivery_tag: int, multiple: bool) -> None:
        before = len(self._unconfirmed)
        self._on_ack(delivery_tag, multiple)
        self._refused += before - len(self._unconfirmed)

    def _ensure_producer(self) -> Producer:
        if self._producer is None:
            connection = Connection(self.amqp_uri, heartbeat=0)
            connection.ensure_connection(max_retries=1)
            channel = connection.channel()
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            self._connection = connection
            self._producer = Producer(channel, on_return=self._on_return)
            self._published = 0
            self._unconfirmed.clear()
            self._returned.clear()
        return self._producer
