"""Small helpers over kombu for the plumbing: confirmed publishes and broker checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu import Connection
from nameko.amqp.consume import Consumer
from nameko.amqp.publish import get_producer

from services.common.logging import get_logger

log = get_logger(__name__)

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


class ResilientConsumer(Consumer):
    """nameko's consumer, whose acknowledgements survive a connection that just broke.

    nameko lets a socket error from an ack escape into the worker, and a worker thread
    that raises kills the whole service. A message whose ack could not be sent is still
    unacknowledged at the broker, which delivers it again after the reconnection; the
    inbox makes that second delivery harmless.
    """

    def ack_message(self, message) -> None:
        try:
            super().ack_message(message)
        except (OSError, AmqpConnectionError) as error:
            log.warning("ack_lost_with_connection", error=repr(error))

    def requeue_message(self, message) -> None:
        try:
            super().requeue_message(message)
        except (OSError, AmqpConnectionError) as error:
            log.warning("requeue_lost_with_connection", error=repr(error))
