"""Names and declarations of the RabbitMQ objects the plumbing relies on.

Retries wait in delay queues, one per back-off step: a message sits there for the step's
TTL, then RabbitMQ dead-letters it to the `rathaus.redeliver` exchange with its original
routing key, which is the name of the handler queue it came from. All messages in one delay
queue share one TTL, so none waits behind a longer one.

Every durable queue is a quorum queue, replicated over the cluster's nodes: the handler
queues (evt-*), the services' RPC request queues (rpc-*), the delay queues, the dead letters
and rathaus.unroutable. A queue's arguments are fixed when it is declared, so every declarer
takes them from here (`queue_arguments`); `rathaus-broker migrate-queues` moves queues that
an older version declared as classic queues.
"""

from __future__ import annotations

from typing import Any

from kombu import Exchange, Queue
from nameko.standalone.events import get_event_exchange

REDELIVER_EXCHANGE = Exchange("rathaus.redeliver", type="direct", durable=True)

QUORUM: dict[str, Any] = {"x-queue-type": "quorum"}
# A message that was handed to a consumer this often and never acknowledged (its consumer
# process crashed or lost its connection each time, which no retry in the process can
# catch) is a poison message: the broker takes it out of the queue instead of looping for
# ever. A few lost connections (a broker node going away) return a message too, so the
# limit leaves room for those.
DELIVERY_LIMIT = 10
# Dead-lettering that waits for the target queue's confirm, so that a message the broker
# moves (a retry coming back from its delay queue, a poison message going to the dead
# letters) is not lost on the way; RabbitMQ allows it only with reject-publish overflow.
AT_LEAST_ONCE_DEAD_LETTERING: dict[str, Any] = {
    "x-dead-letter-strategy": "at-least-once",
    "x-overflow": "reject-publish",
}

# The dead letters of every service, in one queue that the operators' tools read
# (`rathaus-dead-letters`, the staff admin's dead-letter page). They arrive through a topic
# exchange with the owning service's name as routing key, so an operator can bind a queue
# of one service's dead letters (`rathaus.dead_letters.<service>`, pattern `<service>`) for
# alerts or a shovel without touching the tools.
DEAD_LETTER_EXCHANGE = Exchange("rathaus.dead_letters", type="topic", durable=True)
DEAD_LETTER_QUEUE = Queue(
    "rathaus.dead_letters",
    exchange=DEAD_LETTER_EXCHANGE,
    routing_key="#",
    durable=True,
    queue_arguments=QUORUM,
)

# an event that no queue would take (published before any consumer's queue existed, or of a
# type nobody consumes) is parked here instead of being dropped by the broker; the same
# names as the `rathaus-unroutable` policy in deploy/rabbitmq/policies.sh
UNROUTABLE_EXCHANGE = Exchange("rathaus.unroutable", type="fanout", durable=True)
UNROUTABLE_QUEUE = Queue(
    "rathaus.unroutable", exchange=UNROUTABLE_EXCHANGE, durable=True, queue_arguments=QUORUM
)

# a transient event (its contract says so: the clerks' live stream) is published to
# `<source>.transient`, which no policy gives an alternate exchange: one that no queue takes
# (no gateway is running) comes back to the publisher, which drops and counts it, so that
# rathaus.unroutable holds real losses only
TRANSIENT_SUFFIX = "transient"

# headers the plumbing adds to a message it retries or dead-letters
ORIGIN_QUEUE_HEADER = "x-rathaus-queue"
RETRIES_HEADER = "x-rathaus-retries"
# how often a message waited for its service's database to come back (not counted as retries)
AWAITED_DATABASE_HEADER = "x-rathaus-awaited-database"
ERROR_HEADER = "x-rathaus-error"
FIRST_FAILED_HEADER = "x-rathaus-first-failed-at"
DEAD_LETTERED_HEADER = "x-rathaus-dead-lettered-at"
# headers RabbitMQ adds to a message it redelivers or dead-letters itself
DELIVERY_COUNT_HEADER = "x-delivery-count"
DEATH_HEADERS = ("x-death", "x-first-death-queue", "x-first-death-reason", "x-first-death-exchange")

HANDLER_QUEUE_PREFIX = "evt-"
RPC_QUEUE_PREFIX = "rpc-"
DELAY_QUEUE_PREFIX = "rathaus.delay."


def delay_exchange(delay_ms: int) -> Exchange:
    return Exchange(f"rathaus.delay.{delay_ms}", type="fanout", durable=True)


def delay_queue(delay_ms: int) -> Queue:
    name = f"{DELAY_QUEUE_PREFIX}{delay_ms}"
    return Queue(
        name,
        exchange=delay_exchange(delay_ms),
        durable=True,
        queue_arguments=queue_arguments(name),
    )


def handler_queue_owner(queue_name: str) -> str:
    """The service a handler queue belongs to: nameko names it
    `evt-<source>-<event type>--<service>.<method>`; "" for any other queue."""
    _events, separator, handler = queue_name.partition("--")
    return handler.partition(".")[0] if separator else ""


def dead_letter_key(queue_name: str) -> str:
    """The routing key of a handler queue's dead letters: the service it belongs to."""
    return handler_queue_owner(queue_name) or "unowned"


def is_ours(queue_name: str) -> bool:
    """A durable queue of the platform's, which is to be a quorum queue."""
    return queue_name.startswith(
        (HANDLER_QUEUE_PREFIX, RPC_QUEUE_PREFIX, DELAY_QUEUE_PREFIX)
    ) or queue_name in (DEAD_LETTER_QUEUE.name, UNROUTABLE_QUEUE.name)


def queue_arguments(queue_name: str) -> dict[str, Any]:
    """The arguments every declarer of one of our queues must give it."""
    if queue_name.startswith(HANDLER_QUEUE_PREFIX):
        # a poison message goes to the dead letters, under its service's name
        return {
            **QUORUM,
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
            "x-dead-letter-routing-key": dead_letter_key(queue_name),
            **AT_LEAST_ONCE_DEAD_LETTERING,
        }
    if queue_name.startswith(RPC_QUEUE_PREFIX):
        # a request that crashed its service again and again is dropped, not dead-lettered:
        # its caller gave up long ago (RPC_TIMEOUT) and told the citizen it failed; replaying
        # it would do what the citizen was told was not done. Nor could the dead letters
        # tell such a request from the many that expire while a service is down.
        return {**QUORUM, "x-delivery-limit": DELIVERY_LIMIT}
    if queue_name.startswith(DELAY_QUEUE_PREFIX):
        return {
            **QUORUM,
            "x-message-ttl": int(queue_name.removeprefix(DELAY_QUEUE_PREFIX)),
            "x-dead-letter-exchange": REDELIVER_EXCHANGE.name,
            **AT_LEAST_ONCE_DEAD_LETTERING,
        }
    return dict(QUORUM)


def transient_exchange(source: str) -> Exchange:
    return Exchange(f"{source}.{TRANSIENT_SUFFIX}", type="topic", durable=True)


def event_exchange(source: str, transient: bool) -> Exchange:
    """Where an event of `source` is published: its transient exchange, or `<source>.events`."""
    return transient_exchange(source) if transient else get_event_exchange(source)
