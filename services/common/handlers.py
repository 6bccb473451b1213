"""`event_handler`: nameko's event entrypoint made at-least-once, with retries and dead letters.

Stock nameko acknowledges an event whose handler raised, and the event is lost. Here a
failed event is published to a delay queue (capped exponential back-off) and comes back to
the same handler queue; after the last retry it goes to the dead-letter queue with its
error, where an operator can list, replay or discard it (`rathaus-dead-letters`). The
original delivery is acknowledged only after its copy was confirmed by the broker, so a
crash at any point leaves the event in one queue or another. Handlers are idempotent
through the inbox (`Database.transaction(handling=event)`); a duplicate is acknowledged.

A fault of the handler's database being away (down, restarting, out of connections:
`engine.database_away`) is not the event's: it comes back with the same back-off for as long
as the outage lasts, without using up its retries, and is handled once the database answers.

A handler names its retry policy beside it: `permanent=` lists the refusals that no retry
changes (they go to the dead letters at once), `retry=` overrides how often and how patiently
a fault is retried (EVENTS settings otherwise).

Delivery is at-least-once; effects are once, through the inbox.

A handler of many events (`batch=N`) is given up to N of them at once, as a list: those
that came in together while it waited for a worker. It records them all in the inbox with
one statement and commits their effects in one transaction (`tx.fresh` are those not handled
before); every message is acknowledged after that commit. A batch that fails is handed out
again one event a worker, so one bad event costs its neighbours nothing but a second try,
and each fault takes the single event's way above (retries, waiting out the database, dead
letters). A batch worker carries the first event's correlation id and trace.

A handler queue is a quorum queue (`topology.queue_arguments`). What no retry in the process
can catch, a message that kills its consumer process each time it is handled, the broker
catches: after `DELIVERY_LIMIT` deliveries without an acknowledgement it dead-letters the
message to the same dead letters, under the service's name.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import eventlet
from kombu import Queue, binding
from nameko.events import SERVICE_POOL
from nameko.events import EventHandler as NamekoEventHandler
from nameko.messaging import decode_from_headers
from nameko.standalone.events import get_event_exchange

from services.common.amqp import ResilientConsumer, declare_once, publish_confirmed
from services.common.context import CORRELATION_ID_KEY
from services.common.database import EventAlreadyHandled
from services.common.engine import database_away
from services.common.events import Event, EventContract, InvalidEvent, find_contract
from services.common.logging import get_logger
from services.common.metrics import EVENTS_DEAD_LETTERED, EVENTS_RETRIED
from services.common.settings import RetryPolicy, amqp_uri
from services.common.topology import (
    AWAITED_DATABASE_HEADER,
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    DEAD_LETTERED_HEADER,
    ERROR_HEADER,
    FIRST_FAILED_HEADER,
    ORIGIN_QUEUE_HEADER,
    REDELIVER_EXCHANGE,
    RETRIES_HEADER,
    dead_letter_key,
    delay_exchange,
    delay_queue,
    queue_arguments,
)
from services.common.tracing import TRACEPARENT_KEY

log = get_logger(__name__)


@dataclass(frozen=True)
class Arrived:
    """An event taken from its message, waiting for a batch worker."""

    event: Event
    message: Any
    context_data: dict


class EventHandler(NamekoEventHandler):
    consumer_cls = ResilientConsumer
    queue: Queue

    def __init__(
        self,
        contract: EventContract | str,
        event_type: str | None = None,
        *,
        retry: RetryPolicy | None = None,
        permanent: tuple[type[BaseException], ...] = (),
        batch: int = 1,
        handler_type: str = SERVICE_POOL,
        **kwargs,
    ) -> None:
        """Handle `contract`'s events (the publisher's contract; or a source and ALL for
        every event of it). `retry` is how often a fault is retried; an error in `permanent`
        is a refusal that no retry changes, and goes to the dead letters at once. With
        `batch` above 1 the handler takes a list of up to that many events."""
        if batch < 1:
            raise ValueError(f"a batch holds at least one event, not {batch}")
        self.batch = batch
        self.arrived: list[Arrived] = []
        self.collecting = False
        if batch > 1:
            # the broker hands over a batch's worth, and the next one while it is handled
            kwargs.setdefault("prefetch_count", 2 * batch)
        if isinstance(contract, EventContract):
            source_service, event_type = contract.source, contract.type
        else:
            source_service = contract
        self.retry_policy = retry
        self.permanent = permanent
        # a duplicate delivery is an expected outcome, logged as a warning, not as a crash
        kwargs.setdefault("expected_exceptions", (EventAlreadyHandled,))
        super().__init__(source_service, event_type, handler_type=handler_type, **kwargs)

    def setup(self) -> None:
        # nameko's setup takes the consumer's options (prefetch_count) out as it reads them;
        # the queue made again below sets the consumer up a second time, with them again
        options = dict(self.consumer_options)
        super().setup()
        self.consumer_options.update(options)
        if self.retry_policy is None:
            self.retry_policy = RetryPolicy.from_config()
        # the handler queue also takes back its own messages after a retry delay
        replicated = not (self.queue.auto_delete or self.queue.exclusive)
        self.queue = Queue(
            self.queue.name,
            bindings=[
                binding(get_event_exchange(self.source_service), routing_key=self.event_type),
                binding(REDELIVER_EXCHANGE, routing_key=self.queue.name),
            ],
            durable=True,
            auto_delete=self.queue.auto_delete,
            exclusive=self.queue.exclusive,
            # a broadcast handler's private queue cannot be a quorum queue
            queue_arguments=queue_arguments(self.queue.name) if replicated else None,
        )
        super(NamekoEventHandler, self).setup()

    def start(self) -> None:
        # where the broker puts a poison message must exist before the first one comes
        declare_once(amqp_uri(), DEAD_LETTER_QUEUE)
        super().start()

    def handle_message(self, body, message) -> None:
        try:
            event = Event.from_message(body)
            contract = find_contract(self.source_service, event.type, event.version)
            event = Event(**{**event.__dict__, "payload": contract.validate(event.payload)})
        except InvalidEvent as error:
            # a malformed event will not get better with time: straight to the dead letters
            log.error("event_rejected", queue=self.queue.name, error=str(error))
            self._forward(message, self._dead_letter, f"InvalidEvent: {error}", 0)
            return

        context_data = decode_from_headers(message.headers)
        context_data[CORRELATION_ID_KEY] = event.correlation_id or context_data.get(
            CORRELATION_ID_KEY
        )
        # the relay's producer span (a header) is the handler's parent; without it, the
        # work that recorded the event (the envelope)
        if event.traceparent and not context_data.get(TRACEPARENT_KEY):
            context_data[TRACEPARENT_KEY] = event.traceparent
        if self.batch > 1:
            self._gather(Arrived(event, message, context_data))
        else:
            self._spawn_single(event, message, context_data)

    def _spawn_single(self, argument: Event | list[Event], message, context_data: dict) -> None:
        """A worker for one message: the event, or (a batch handler's) a list of it. It is
        started from a thread of its own, so that the consumer never waits for a worker."""
        self.container.spawn_managed_thread(
            partial(
                self._start_worker,
                argument,
                [message],
                context_data,
                partial(self.handle_result, message),
            ),
            identifier=f"{self.container.service_name}.{self.method_name}.wait",
        )

    def _start_worker(self, argument, messages: list, context_data: dict, handle_result) -> None:
        """A worker for `argument` once one is free; if none can start, its messages go back
        to the queue."""
        try:
            self.container.spawn_worker(
                self, (argument,), {}, context_data=context_data, handle_result=handle_result
            )
        except Exception:
            for message in messages:
                self.consumer.requeue_message(message)

    def _gather(self, arrived: Arrived) -> None:
        self.arrived.append(arrived)
        if not self.collecting:
            self.collecting = True
            self.container.spawn_managed_thread(
                self._hand_out_batches,
                identifier=f"{self.container.service_name}.{self.method_name}.batch",
            )

    def _hand_out_batches(self) -> None:
        """Give what has arrived to batch workers, up to `batch` events each. Waiting for
        a worker lets more arrive: the busier the service, the fuller its batches."""
        try:
            eventlet.sleep(0)  # the messages already read from the socket come in first
            while self.arrived:
                taken, self.arrived = self.arrived[: self.batch], self.arrived[self.batch :]
                self._spawn_batch(taken)
        finally:
            self.collecting = False

    def _spawn_batch(self, taken: list[Arrived]) -> None:
        # one event alone takes the single event's way at once if it fails
        handle_result = (
            partial(self.handle_result, taken[0].message)
            if len(taken) == 1
            else partial(self._batch_handled, taken)
        )
        self._start_worker(
            [arrived.event for arrived in taken],
            [arrived.message for arrived in taken],
            dict(taken[0].context_data),
            handle_result,
        )

    def _batch_handled(self, taken: list[Arrived], worker_ctx, result=None, exc_info=None):
        error = None if exc_info is None else exc_info[1]
        if error is None or isinstance(error, EventAlreadyHandled) or database_away(error):
            # handled, or the database is away (not the events' fault): each message goes
            # the way it would alone (acknowledged, or waiting the outage out)
            for arrived in taken:
                self.handle_result(arrived.message, worker_ctx, result, exc_info)
            return result, exc_info
        log.warning(
            "event_batch_failed_handled_one_by_one",
            queue=self.queue.name,
            events=len(taken),
            error=repr(error),
        )
        for arrived in taken:
            self._spawn_single([arrived.event], arrived.message, arrived.context_data)
        return result, exc_info

    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        if exc_info is None or isinstance(exc_info[1], EventAlreadyHandled):
            if exc_info is not None:
                log.info("event_duplicate_ignored", queue=self.queue.name)
            self.consumer.ack_message(message)
            return result, exc_info
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
        retries = int(message.headers.get(RETRIES_HEADER, 0))
        policy = self._retry_policy()
        if database_away(exc_info[1]):
            # the event is not at fault: it waits for the database, however long, with the
            # same back-off and without using up its retries
            self._forward(message, self._await_database, error, retries)
        elif retries < policy.max_retries and not isinstance(exc_info[1], self.permanent):
            self._forward(message, self._schedule_retry, error, retries + 1)
        else:
            self._forward(message, self._dead_letter, error, retries)
        return result, exc_info

    def _forward(self, message, send_copy, error: str, retries: int) -> None:
        """Send a failed message on (to a delay queue or the dead letters), then ack it.

        If the broker does not take the copy, the original is kept: it comes back.
        """
        try:
            send_copy(message, error, retries)
        except Exception as publish_error:
            log.warning("event_not_forwarded_requeued", error=repr(publish_error))
            self.consumer.requeue_message(message)
            return
        self.consumer.ack_message(message)

    def _retry_policy(self) -> RetryPolicy:
        assert self.retry_policy is not None, "setup() takes the config's policy when none is named"
        return self.retry_policy

    def _failure_headers(self, message, error: str, retries: int) -> dict:
        return {
            **message.headers,
            RETRIES_HEADER: retries,
            ERROR_HEADER: error[:1000],
            FIRST_FAILED_HEADER: message.headers.get(FIRST_FAILED_HEADER, _now()),
        }

    def _schedule_retry(self, message, error: str, retry_number: int) -> None:
        self._come_back_later(message, error, retry_number)

    def _await_database(self, message, error: str, retries: int) -> None:
        awaited = int(message.headers.get(AWAITED_DATABASE_HEADER, 0)) + 1
        self._come_back_later(message, error, retries, awaited=awaited)

    def _come_back_later(
        self, message, error: str, retries: int, *, awaited: int | None = None
    ) -> None:
        """Through the delay queue of the back-off, to this handler's queue again: after
        `retries` faults, or while the database is away for the `awaited`th time."""
        delay_ms = int(self._retry_policy().delay_for(awaited or retries) * 1000)
        headers = self._failure_headers(message, error, retries)
        waiting = {}
        if awaited is not None:
            headers[AWAITED_DATABASE_HEADER] = waiting["awaited_database"] = awaited
        log.warning(
            "event_handler_failed_will_retry",
            queue=self.queue.name,
            error=error,
            retry=retries,
            delay_ms=delay_ms,
            **waiting,
        )
        publish_confirmed(
            amqp_uri(),
            message.body,
            exchange=delay_exchange(delay_ms),
            routing_key=self.queue.name,
            headers=headers,
            properties=message.properties,
            declare=[delay_queue(delay_ms), REDELIVER_EXCHANGE],
        )
        EVENTS_RETRIED.labels(self.container.service_name, self.method_name).inc()

    def _dead_letter(self, message, error: str, retries: int) -> None:
        log.error("event_dead_lettered", queue=self.queue.name, error=error, retries=retries)
        headers = {
            **self._failure_headers(message, error, retries),
            ORIGIN_QUEUE_HEADER: self.queue.name,
            DEAD_LETTERED_HEADER: _now(),
        }
        publish_confirmed(
            amqp_uri(),
            message.body,
            exchange=DEAD_LETTER_EXCHANGE,
            routing_key=dead_letter_key(self.queue.name),
            headers=headers,
            properties=message.properties,
            declare=[DEAD_LETTER_QUEUE],
        )
        EVENTS_DEAD_LETTERED.labels(self.container.service_name, self.method_name).inc()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


event_handler = EventHandler.decorator
