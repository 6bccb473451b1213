"""The clerks' live stream: queue items pushed to signed-in clerks as Server-Sent Events.

The notifications service broadcasts `clerk_queue_item_added`, a transient event, on
`notifications.transient`. Every gateway instance has a queue of its own there (BROADCAST,
gone with the instance) and hands each item to its `LiveHub`, which passes it to the
streams open on that instance: a clerk gets the items of their role (an item for a
department only if it is one of theirs), an admin every item. Neither the item nor the
open stream holds a nameko worker: a room of clerks keeping the stream open all day must
not leave the JSON API without workers.

The stream is a convenience, not a record: an item broadcast while a clerk is away, or
while their connection is too slow to keep up, is not sent again. Every item is in the
inbox too, so a client that reconnects reads `GET /api/v1/notifications/inbox`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar, TypeVar

from eventlet.queue import Empty, Full, LightQueue
from kombu import Queue
from nameko.events import BROADCAST
from nameko.events import EventHandler as NamekoEventHandler
from nameko.extensions import SharedExtension
from werkzeug.wrappers import Request, Response

from services.common.amqp import ResilientConsumer
from services.common.events import Event, EventContract, InvalidEvent
from services.common.logging import get_logger
from services.common.metrics import LIVE_STREAMS_OPEN
from services.common.topology import transient_exchange
from services.gateway.http import Route
from services.gateway.settings import GatewaySettings
from services.notifications.events import CLERK_QUEUE_ITEM_ADDED

log = get_logger(__name__)

# what an EventSource waits before it reconnects, in milliseconds
RETRY_MS = 3000
# the role that sees every item
SEES_ALL = "admin"
OPENING = (
    f"retry: {RETRY_MS}\n"
    ": connected; after a reconnect, GET /api/v1/notifications/inbox has what was missed\n\n"
).encode()
HEARTBEAT = b": keep-alive\n\n"
EVENT_STREAM = {"text/event-stream": {"schema": {"type": "string"}}}
# the stream's answer: never cached, never buffered by a proxy (nginx honours the second)
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_CLOSE = object()
L = TypeVar("L", bound="Listener")


def broadcast_payload(body: Any, contract: EventContract) -> dict[str, Any]:
    """The public payload of a broadcast envelope of `contract`; InvalidEvent when it is
    anything else or breaks the contract."""
    event = Event.from_message(body)
    if (event.type, event.version) != (contract.type, contract.version):
        raise InvalidEvent(
            f"not a {contract.type} v{contract.version}: {event.type} v{event.version}"
        )
    contract.validate(event.payload)
    # the payload as it came (JSON already), without anything that may not leave
    return contract.thin(event.payload)


def event_stream(request: Request, frames: Iterator[bytes]) -> Response:
    """The answer that writes `frames` as they come, in the connection's own green thread."""
    if request.method == "HEAD":  # werkzeug routes HEAD to a GET rule: no body, no stream
        return Response(status=200, content_type="text/event-stream", headers=STREAM_HEADERS)
    # eventlet gathers 4 KiB before it writes; an event must leave as soon as it comes
    request.environ["eventlet.minimum_write_chunk_size"] = 0
    return Response(
        frames,
        status=200,
        content_type="text/event-stream",
        headers=STREAM_HEADERS,
        direct_passthrough=True,
    )


def frame(item: Mapping[str, Any]) -> bytes:
    """One Server-Sent Event; JSON escapes newlines, so the data stays on one line."""
    data = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    return f"id: {item['item_id']}\nevent: queue_item\ndata: {data}\n\n".encode()


@dataclass(eq=False)
class Listener:
    """One open stream: its caller and the items waiting to be written to it."""

    subject: str
    role: str
    departments: tuple[str, ...]
    backlog: int
    queue: LightQueue = field(init=False)
    closed: bool = False

    def __post_init__(self) -> None:
        self.queue = LightQueue(self.backlog)

    def wants(self, item: Mapping[str, Any]) -> bool:
        if self.role == SEES_ALL:
            return True
        department = item.get("department")
        return item.get("role") == self.role and (
            department is None or department in self.departments
        )

    def close(self) -> None:
        self.closed = True
        # a full queue: it is busy writing, and sees `closed` when it next takes an item
        with contextlib.suppress(Full):
            self.queue.put_nowait(_CLOSE)


class LiveHub(SharedExtension):
    """The streams open on this gateway instance, shared by the stream route and the feed."""

    def __init__(self) -> None:
        super().__init__()
        self.listeners: set[Listener] = set()

    def setup(self) -> None:
        self.settings = GatewaySettings.from_config()

    def stop(self) -> None:
        for listener in list(self.listeners):
            listener.close()
        self._open_streams().dec(len(self.listeners))
        self.listeners.clear()

    def add(self, listener: L) -> L:
        """Take `listener` in; `forget` lets it go."""
        self.listeners.add(listener)
        self._open_streams().inc()
        return listener

    def _open_streams(self):
        # by hub class (LiveHub: the clerks' queue; DeskHub: the desks): a bounded label
        return LIVE_STREAMS_OPEN.labels(type(self).__name__)

    def listen(self, subject: str, role: str, departments: tuple[str, ...] = ()) -> Listener:
        listener = self.add(Listener(subject, role, departments, self.settings.stream_backlog))
        log.info(
            "live_stream_opened",
            subject=subject,
            role=role,
            departments=list(departments),
            open=len(self.listeners),
        )
        return listener

    def forget(self, listener: Listener) -> None:
        if listener in self.listeners:
            self.listeners.discard(listener)
            self._open_streams().dec()
            log.info(
                "live_stream_closed",
                subject=listener.subject,
                role=listener.role,
                open=len(self.listeners),
            )

    def publish(self, item: Mapping[str, Any]) -> int:
        """Hand an item to every stream that wants it; never waits. A stream whose backlog
        is full is closed: its client reconnects and reads its inbox."""
        handed = 0
        for listener in list(self.listeners):
            if not listener.wants(item):
                continue
            try:
                listener.queue.put_nowait(item)
                handed += 1
            except Full:
                log.warning(
                    "live_stream_dropped_slow_client",
                    subject=listener.subject,
                    role=listener.role,
                    backlog=listener.backlog,
                )
                self.forget(listener)
                listener.closed = True
        return handed

    def frames(self, subject: str, role: str, departments: tuple[str, ...] = ()) -> Iterator[bytes]:
        """The caller's queue items, as the JSON API's stream writes them."""
        return self.stream(partial(self.listen, subject, role, departments), frame)

    def stream(
        self,
        listen: Callable[[], Listener],
        render: Callable[[Mapping[str, Any]], bytes | None],
        opening: bytes = OPENING,
    ) -> Iterator[bytes]:
        """What a stream writes: the opening, then each item as `render` writes it (None:
        nothing) and heartbeats, until it closes.

        It listens from the first write on (a generator never started leaves no listener
        behind). The client going away surfaces as a failed write, which closes the
        generator; a heartbeat makes sure that happens within GATEWAY.stream_heartbeat
        seconds.
        """
        listener = listen()
        try:
            yield opening
            while not listener.closed:
                try:
                    item = listener.queue.get(timeout=self.settings.stream_heartbeat)
                except Empty:
                    yield HEARTBEAT
                    continue
                if item is _CLOSE or listener.closed:
                    break
                written = render(item)
                if written:
                    yield written
        finally:
            self.forget(listener)


class TransientFeed(NamekoEventHandler):
    """A transient broadcast of `source`'s `event_type`, each to this instance's hub without
    a worker. The decorated method is never called; it names the consumer.

    The queue is this instance's alone and goes away with it (BROADCAST, no reliable
    delivery): what comes while nobody listens is not kept.
    """

    consumer_cls = ResilientConsumer
    contract: ClassVar[EventContract]
    hub: LiveHub
    # the log line of a message that breaks its contract
    dropped: str

    def __init__(self, **kwargs) -> None:
        super().__init__(
            self.contract.source,
            self.contract.type,
            handler_type=BROADCAST,
            reliable_delivery=False,
            **kwargs,
        )

    def setup(self) -> None:
        super().setup()
        # the event is transient: it comes on the source's transient exchange (topology.py)
        self.queue = Queue(
            self.queue.name,
            exchange=transient_exchange(self.contract.source),
            routing_key=self.contract.type,
            durable=self.queue.durable,
            auto_delete=self.queue.auto_delete,
            exclusive=self.queue.exclusive,
        )
        super(NamekoEventHandler, self).setup()

    def read(self, body: Any) -> dict[str, Any]:
        """The item the hub hands on; InvalidEvent when the message is not one."""
        return broadcast_payload(body, self.contract)

    def handle_message(self, body, message) -> None:
        try:
            item = self.read(body)
        except InvalidEvent as error:
            log.warning(self.dropped, reason=str(error))
        else:
            self.hub.publish(item)
        self.consumer.ack_message(message)


class QueueItemFeed(TransientFeed):
    """`@queue_items`: every `clerk_queue_item_added`, to this instance's hub."""

    contract = CLERK_QUEUE_ITEM_ADDED
    hub = LiveHub()
    dropped = "live_queue_item_dropped"


queue_items = QueueItemFeed.decorator


class LiveStreamRoute(Route):
    """`@live_stream(url, roles=...)`: a Server-Sent Events stream of the hub's items for
    the caller, served in the connection's own green thread. The decorated method only
    documents it."""

    hub = LiveHub()

    def __init__(self, url: str, **kwargs) -> None:
        kwargs.setdefault("responses", {200: "A text/event-stream of queue items."})
        super().__init__("GET", url, **kwargs)
        self.response_content = EVENT_STREAM

    def handle_request(self, request: Request) -> Response:
        request.shallow = False
        try:
            caller = self.authenticate(request)
        except Exception as error:
            return self.response_from_exception(error, request)
        return event_stream(
            request, self.hub.frames(caller.subject or "", caller.role or "", caller.departments)
        )


live_stream = LiveStreamRoute.decorator
