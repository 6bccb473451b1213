"""Helpers over kombu for the plumbing: confirmed publishes, declarations, broker checks."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from amqp.exceptions import ConnectionError as AmqpConnectionError
from amqp.exceptions import PreconditionFailed, RecoverableConnectionError
from kombu import Connection
from nameko import config
from nameko.amqp.consume import Consumer
from nameko.amqp.publish import get_producer

from services.common.logging import get_logger

log = get_logger(__name__)

MIGRATE_COMMAND = "rathaus-broker migrate-queues"
# seconds a consumer with room for messages may receive none while its queue has some ready,
# twice in a row, before it subscribes again (`StallWatch`); 0 turns the watch off
DEFAULT_STALL_CHECK = 5.0
# (URI, entity name) of what this process declared already: see `declare_once`
_declared: set[tuple[str, str]] = set()


class QueueNeedsMigration(RuntimeError):
    """The broker holds one of our queues with other arguments than this version declares it
    with: an older version made it a classic queue. The broker refuses the declaration, and
    the service cannot consume until an operator moves the queue."""

    def __init__(self, broker_says: str) -> None:
        super().__init__(
            f"{broker_says}. The queue was declared by an older version (a classic queue, "
            f"now a quorum queue): stop the services, run `{MIGRATE_COMMAND}` "
            "(deploy/README.md), then start them again."
        )


def needs_migration(error: BaseException) -> bool:
    return isinstance(error, PreconditionFailed) and "inequivalent arg" in str(error)


def declare_once(uri: str, *entities) -> None:
    """Declare exchanges or queues (with their bindings) once per process and broker."""
    missing = [entity for entity in entities if (uri, entity.name) not in _declared]
    if not missing:
        return
    with Connection(uri) as connection:
        channel = connection.channel()
        for entity in missing:
            try:
                entity(channel).declare()
            except PreconditionFailed as error:
                raise QueueNeedsMigration(str(error)) from error
            _declared.add((uri, entity.name))


# message properties that kombu takes as keyword arguments when re-publishing a message
_COPIED_PROPERTIES = ("message_id", "correlation_id", "type", "timestamp", "delivery_mode")


def publish_confirmed(
    uri: str,
    body: bytes,
    *,
    exchange,
    routing_key: str,
    headers: Mapping[str, Any],
    properties: Mapping[str, Any],
    declare: Sequence = (),
) -> None:
    """Publish an already-encoded message and wait for the broker's confirm."""
    copied = {key: properties[key] for key in _COPIED_PROPERTIES if key in properties}
    copied.setdefault("delivery_mode", 2)
    with get_producer(uri, confirms=True) as producer:
        producer.publish(
            body,
            exchange=exchange,
            routing_key=routing_key,
            headers=dict(headers),
            content_type=properties.get("content_type", "application/json"),
            content_encoding=properties.get("content_encoding", "utf-8"),
            declare=list(declare),
            retry=True,
            retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
            **copied,
        )


def broker_reachable(uri: str, timeout: float = 3.0) -> str | None:
    """None when the broker answers; otherwise the reason it does not."""
    try:
        with Connection(uri, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as error:
        return str(error) or type(error).__name__
    return None


class ConnectionFoundBroken(RecoverableConnectionError):
    """A write on the consumer's connection failed: the connection is lost."""


class ConsumerConnection(Connection):
    """kombu's connection, except that one found broken stays broken.

    kombu's connection, used again after a write on it failed, opens a new connection by
    itself. For a consumer that is the worst outcome: when a broker node stops, a worker's
    ack may be the first to find the connection broken, while the consumer loop still reads
    what the broker sent before it went. The loop would then go on reading a new connection
    on which nothing is consumed, for ever, and the queue would wait with no consumer. Here
    that use raises instead, as a lost connection, and the loop reconnects and consumes
    again.
    """

    @property
    def connection(self):
        if self._connection is not None and not self.connected:
            raise ConnectionFoundBroken("a write on the consumer's connection failed")
        return super().connection


class ConsumerStalled(RecoverableConnectionError):
    """The broker feeds a consumer nothing while its queue has messages ready for it."""


class StallWatch:
    """Whether the broker has stopped feeding a consumer that is still subscribed.

    A quorum queue whose leader moves while a consumer subscribes may take the subscription
    and never deliver to it (in one broker drill run on RabbitMQ 3.10 the RPC consumers of
    two services subscribed again as the node stopped, then handled nothing for six minutes
    while every call to them timed out). Nothing on the connection says so. The watch looks
    at the queue only when the consumer has received nothing for `interval` seconds and has
    room for more (fewer than `prefetch` messages in hand; 0: no limit): messages ready there
    at two looks in a row, with none delivered between, mean the consumer is not fed.
    """

    def __init__(
        self, interval: float, prefetch: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval = interval
        self.prefetch = prefetch
        self.clock = clock
        self.in_hand: set[int] = set()  # ids of the messages delivered and not yet settled
        self.restart()

    def restart(self) -> None:
        """A new subscription: nothing in hand, nothing suspected."""
        self.in_hand.clear()
        self.last_delivery = self.last_look = self.clock()
        self.suspect = False

    def delivered(self, message_id: int | None) -> None:
        """A message arrived; `message_id` is kept until it is settled (None: auto-acked)."""
        self.last_delivery = self.clock()
        self.suspect = False
        if message_id is not None:
            self.in_hand.add(message_id)

    def settled(self, message_id: int) -> None:
        self.in_hand.discard(message_id)

    def due(self) -> bool:
        """Whether the queue should be looked at now."""
        if not self.interval:
            return False
        now = self.clock()
        idle = now - self.last_delivery >= self.interval
        has_room = not self.prefetch or len(self.in_hand) < self.prefetch
        return idle and has_room and now - self.last_look >= self.interval

    def looked(self, ready: int) -> bool:
        """The queue had `ready` messages: whether the consumer is stalled."""
        self.last_look = self.clock()
        stalled = self.suspect and ready > 0
        self.suspect = ready > 0
        return stalled


class ResilientConsumer(Consumer):
    """nameko's consumer, whose acknowledgements survive a connection that just broke, and
    which consumes again on whichever node it reconnects to (`ConsumerConnection`).

    nameko lets a socket error from an ack escape into the worker, and a worker thread
    that raises kills the whole service. A message whose ack could not be sent is still
    unacknowledged at the broker, which delivers it again after the reconnection; the
    inbox makes that second delivery harmless.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.watch = StallWatch(
            float(config.get("CONSUMER_STALL_CHECK", DEFAULT_STALL_CHECK)), self.prefetch_count
        )
        self._watched: tuple[Any, list[str]] | None = None  # channel, queue names
        self._settled_by_us = not self.consumer_options.get("no_ack")
        self.consuming_on: Connection | None = None  # the connection the consumers are on

    @property
    def connection(self) -> ConsumerConnection:
        return ConsumerConnection(
            self.amqp_uri, ssl=self.ssl, login_method=self.login_method, heartbeat=self.heartbeat
        )

    def get_consumers(self, consumer_cls, channel):
        """kombu's reconnecting loop takes a refused declaration for a lost connection and
        tries again for ever, silently; a queue that needs migrating stops the service
        instead, saying what to run."""
        try:
            return super().get_consumers(consumer_cls, channel)
        except PreconditionFailed as error:
            if not needs_migration(error):
                raise
            log.error("queue_needs_migration", error=str(error), command=MIGRATE_COMMAND)
            self.should_stop = True
            self.ready.set()  # whoever waits for the consumer to start hears the error
            raise QueueNeedsMigration(str(error)) from error

    def on_consume_ready(self, connection, channel, consumers, **kwargs) -> None:
        self.consuming_on = connection
        queues = [queue.name for consumer in consumers for queue in consumer.queues]
        self._watched = (channel, queues)
        self.watch.restart()
        if self.ready.is_set():  # a reconnection: which queues came back, and where
            log.info(
                "consumer_reconnected",
                queues=queues,
                broker=f"{connection.hostname}:{connection.port}",
            )
        super().on_consume_ready(connection, channel, consumers, **kwargs)

    def on_message(self, body, message) -> None:
        self.watch.delivered(id(message) if self._settled_by_us else None)
        super().on_message(body, message)

    def on_iteration(self) -> None:
        """Before each read of the connection: a consumer the broker does not feed
        subscribes again, on a new connection."""
        if self._watched is None or not self.watch.due():
            return
        channel, queues = self._watched
        ready = sum(
            channel.queue_declare(queue=name, passive=True).message_count for name in queues
        )
        if self.watch.looked(ready):
            log.warning("consumer_stalled_resubscribing", queues=queues, ready=ready)
            raise ConsumerStalled(f"{ready} message(s) ready in {queues}, none delivered")

    def ack_message(self, message) -> None:
        self.watch.settled(id(message))
        try:
            super().ack_message(message)
        except (OSError, AmqpConnectionError) as error:
            log.warning("ack_lost_with_connection", error=repr(error))

    def requeue_message(self, message) -> None:
        self.watch.settled(id(message))
        try:
            super().requeue_message(message)
        except (OSError, AmqpConnectionError) as error:
            log.warning("requeue_lost_with_connection", error=repr(error))
