"""Names and declarations of the RabbitMQ objects the plumbing relies on.

Retries wait in delay queues, one per back-off step: a message sits there for the step's
TTL, then RabbitMQ dead-letters it to the `rathaus.redeliver` exchange with its original
routing key, which is the name of the handler queue it came from. All messages in one delay
queue share one TTL, so none waits behind a longer one.
"""

from __future__ import annotations

from kombu import Exchange, Queue
from nameko.standalone.events import get_event_exchange

REDELIVER_EXCHANGE = Exchange("rathaus.redeliver", type="direct", durable=True)
DEAD_LETTER_QUEUE = Queue(
    "rathaus.dead_letters", exchange="", routing_key="rathaus.dead_letters", durable=True
)

# an event that no queue would take (published before any consumer's queue existed, or of a
# type nobody consumes) is parked here instead of being dropped by the broker; the same
# names as the `rathaus-unroutable` policy in deploy/rabbitmq/policies.sh
UNROUTABLE_EXCHANGE = Exchange("rathaus.unroutable", type="fanout", durable=True)
UNROUTABLE_QUEUE = Queue("rathaus.unroutable", exchange=UNROUTABLE_EXCHANGE, durable=True)

# a transient event (its contract says so: the clerks' live stream) is published to
# `<source>.transient`, which no policy gives an alternate exchange: one that no queue takes
# (no gateway is running) comes back to the publisher, which drops and counts it, so that
# rathaus.unroutable holds real losses only
TRANSIENT_SUFFIX = "transient"

# headers the plumbing adds to a message it retries or dead-letters
ORIGIN_QUEUE_HEADER = "x-rathaus-queue"
RETRIES_HEADER = "x-rathaus-retries"
ERROR_HEADER = "x-rathaus-error"
FIRST_FAILED_HEADER = "x-rathaus-first-failed-at"
DEAD_LETTERED_HEADER = "x-rathaus-dead-lettered-at"


def delay_exchange(delay_ms: int) -> Exchange:
    return Exchange(f"rathaus.delay.{delay_ms}", type="fanout", durable=True)


def delay_queue(delay_ms: int) -> Queue:
    return Queue(
        f"rathaus.delay.{delay_ms}",
        exchange=delay_exchange(delay_ms),
        durable=True,
        queue_arguments={
            "x-message-ttl": delay_ms,
            "x-dead-letter-exchange": REDELIVER_EXCHANGE.name,
        },
    )


def transient_exchange(source: str) -> Exchange:
    return Exchange(f"{source}.{TRANSIENT_SUFFIX}", type="topic", durable=True)


def event_exchange(source: str, transient: bool) -> Exchange:
    """Where an event of `source` is published: its transient exchange, or `<source>.events`."""
    return transient_exchange(source) if transient else get_event_exchange(source)
