"""The floor for durable events: kombu publishing persistent messages with publisher
confirms to a durable queue, a consumer acknowledging each one.

Publisher and consumer are greenthreads of this process with a connection each. The
publisher waits for the broker's confirm of every message before the next (kombu's
`confirm_publish`), as a sender that must not lose a message does; the consumer takes
them with a prefetch of 10 (nameko's default) and acknowledges each. The reference run
publishes batches of 200 and waits once per batch for their confirms.
"""

from __future__ import annotations

import time
import uuid

import eventlet
from eventlet.event import Event
from kombu import Connection, Consumer, Exchange, Producer, Queue

from bench.report import Latency, Throughput
from services.common.batch_publish import BatchPublisher, Outgoing

EXCHANGE = Exchange("bench.raw_events", type="topic", durable=True)
BATCH = 200

# seconds the consumer may take to drain what was published before the bench gives up
CONSUME_DEADLINE = 120


def measure(
    amqp_uri: str, events: int, paced: int, pace: float, quorum: bool = False
) -> Throughput:
    """Flood `events` for throughput and latency under load; then `paced`, `pace` s apart.
    `quorum`: through a quorum queue, the kind the services' handler queues are."""
    flood = _run(amqp_uri, events, lambda: _publish_each(amqp_uri, events, 0.0), quorum)
    light = _run(amqp_uri, paced, lambda: _publish_each(amqp_uri, paced, pace), quorum)
    return Throughput(events, flood[0], flood[1], light[1])


def measure_batched(amqp_uri: str, events: int) -> Throughput:
    seconds, latency = _run(amqp_uri, events, lambda: _publish_batches(amqp_uri, events))
    return Throughput(events, seconds, latency, None)


def _run(amqp_uri: str, events: int, publish, quorum: bool = False) -> tuple[float, Latency]:
    queue = Queue(
        f"bench.raw_events.{uuid.uuid4().hex[:8]}",
        exchange=EXCHANGE,
        routing_key="entry_recorded",
        durable=True,
        queue_arguments={"x-queue-type": "quorum"} if quorum else None,
    )
    latencies: list[float] = []
    done = Event()
    ready = Event()
    consumer = eventlet.spawn(_consume, amqp_uri, queue, events, latencies, ready, done)
    ready.wait()
    started = time.time()
    publisher = eventlet.spawn(publish)
    try:
        publisher.wait()  # raises when publishing failed, rather than waiting for ever
        with eventlet.Timeout(CONSUME_DEADLINE):
            finished = done.wait()
    finally:
        consumer.kill()
    return finished - started, Latency.of(latencies)


def _message(number: int) -> dict:
    return {"event_id": str(uuid.uuid4()), "sent_at": time.time(), "number": number}


def _publish_each(amqp_uri: str, events: int, pace: float) -> None:
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.channel(), exchange=EXCHANGE)
        for number in range(events):
            producer.publish(
                _message(number), routing_key="entry_recorded", delivery_mode=2, retry=False
            )
            if pace:
                eventlet.sleep(pace)


def _publish_batches(amqp_uri: str, events: int) -> None:
    publisher = BatchPublisher(amqp_uri)
    try:
        for start in range(0, events, BATCH):
            publisher.publish(
                Outgoing(
                    _message(number),
                    EXCHANGE,
                    "entry_recorded",
                    properties={"message_id": str(number)},
                )
                for number in range(start, min(events, start + BATCH))
            )
    finally:
        publisher.close()


def _consume(amqp_uri, queue, events, latencies, ready: Event, done: Event) -> None:
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        channel.basic_qos(0, 10, False)

        def on_message(body, message) -> None:
            message.ack()
            latencies.append(time.time() - body["sent_at"])
            if len(latencies) == events:
                done.send(time.time())

        with Consumer(channel, [queue], callbacks=[on_message], accept=["json"]):
            ready.send(True)
            while True:
                connection.drain_events()
