"""The floor for RPC: a request/reply round trip over kombu and pyamqp, nothing else.

The server is a greenthread of this process with its own connection: it consumes the
request queue (with acknowledgements, like a service), publishes the reply to the
caller's reply queue and acknowledges the request. The client publishes on its own
connection and waits for the reply on an exclusive queue. Both messages are transient;
nothing waits for publisher confirms. The nameko services are measured in one process too.
"""

from __future__ import annotations

import time
import uuid

import eventlet
from eventlet.event import Event
from kombu import Connection, Consumer, Exchange, Producer, Queue

from bench.report import Latency

EXCHANGE = Exchange("bench.raw_rpc", type="direct", durable=False, auto_delete=True)
REQUESTS = Queue("bench.raw_rpc.requests", exchange=EXCHANGE, routing_key="requests")
# the same trip through a request queue of the kind the services' RPC queues are: what the
# broker itself adds for a queue that survives losing a node (its write-ahead log, its fsync)
QUORUM_REQUESTS = Queue(
    "bench.raw_rpc.requests.quorum",
    exchange=EXCHANGE,
    routing_key="requests",
    durable=True,
    queue_arguments={"x-queue-type": "quorum"},
)


def measure(amqp_uri: str, calls: int, warmup: int = 200, quorum: bool = False) -> Latency:
    ready = Event()
    server = eventlet.spawn(_serve, amqp_uri, ready, QUORUM_REQUESTS if quorum else REQUESTS)
    ready.wait()
    try:
        return Latency.of(_call(amqp_uri, calls, warmup))
    finally:
        server.kill()


def _serve(amqp_uri: str, ready: Event, requests: Queue) -> None:
    with Connection(amqp_uri) as connection:
        producer = Producer(connection.channel(), exchange=EXCHANGE, auto_declare=False)

        def on_request(body, message) -> None:
            producer.publish(
                {"result": body["args"][0], "error": None},
                routing_key=message.properties["reply_to"],
                correlation_id=message.properties["correlation_id"],
                delivery_mode=1,
                retry=False,
            )
            message.ack()

        channel = connection.channel()
        channel.basic_qos(0, 10, False)
        with Consumer(channel, [requests], callbacks=[on_request], accept=["json"]):
            ready.send(True)
            while True:
                connection.drain_events()


def _call(amqp_uri: str, calls: int, warmup: int) -> list[float]:
    reply_key = uuid.uuid4().hex
    replies = Queue(
        f"bench.raw_rpc.reply-{reply_key}", exchange=EXCHANGE, routing_key=reply_key, exclusive=True
    )
    received: dict[str, object] = {}
    timings: list[float] = []
    with Connection(amqp_uri) as connection:
        producer = Producer(connection.channel(), exchange=EXCHANGE, auto_declare=False)

        def on_reply(body, message) -> None:
            received[message.properties["correlation_id"]] = body["result"]

        with Consumer(
            connection.channel(), [replies], callbacks=[on_reply], no_ack=True, accept=["json"]
        ):
            for number in range(warmup + calls):
                correlation_id = str(uuid.uuid4())
                started = time.perf_counter()
                producer.publish(
                    {"args": [number], "kwargs": {}},
                    routing_key="requests",
                    reply_to=reply_key,
                    correlation_id=correlation_id,
                    delivery_mode=1,
                    retry=False,
                )
                while correlation_id not in received:
                    connection.drain_events(timeout=10)
                if number >= warmup:
                    timings.append(time.perf_counter() - started)
                received.clear()
    return timings
