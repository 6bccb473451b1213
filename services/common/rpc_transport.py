"""The AMQP transport of our RPC: one connection that consumes and publishes.

Stock nameko publishes each request and each reply through a pooled producer with publisher
confirms, redeclares the caller's reply queue before every request and acknowledges every
reply: seven socket writes and five waits for the broker per call between two services.
Here the extension that consumes (a service's request queue, a caller's reply queue) also
publishes, on a second channel of its own connection, without confirms:

- a request is published `mandatory`: when no queue is bound for the target service, the
  broker returns it and the consumer loop fails the call at once; every call has a deadline;
- a reply is transient: if the broker loses one, the caller's deadline reports it;
- replies are consumed without acknowledgements: a reply queue has one reader.

A call costs three writes: request, reply, acknowledgement of the request. The messages,
queues and bindings are those of stock nameko, so stock clients and services interoperate.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

import amqp
import eventlet
import kombu.serialization
from nameko.exceptions import UnserializableValueError, serialize

from services.common.amqp import ResilientConsumer

# kombu's consumer loop looks at its stop flag once a second
STOP_GRACE = 2.0


class NotConnected(ConnectionError):
    """The transport has no connection to the broker at the moment."""


class ConsumerPublisher(ResilientConsumer):
    """nameko's consumer, whose connection also carries the publishes of its extension.

    The publishing channel lives as long as the connection; after a reconnection the
    consumer loop opens a new one. amqp serialises the frames written by concurrent
    greenthreads on one connection, so workers publish while the loop reads.
    """

    def __init__(self, *args, on_return: Callable | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._on_return = on_return
        self._channel: Any = None
        self._connected = threading.Event()
        self._thread = None

    def start_in(self, container, identifier: str) -> None:
        """Run the consumer loop as a managed thread of `container`; return once consuming."""
        self._thread = container.spawn_managed_thread(self.run, identifier=identifier)
        self.wait_until_consumer_ready()

    def stop_and_wait(self, grace: float = STOP_GRACE) -> None:
        """Stop consuming; give the loop `grace` seconds to notice and close its connection."""
        self.stop()
        if self._thread is not None:
            with eventlet.Timeout(grace, False):
                self._thread.wait()

    @contextlib.contextmanager
    def extra_context(self, connection, channel) -> Iterator[None]:
        publishing = connection.channel()
        if self._on_return is not None:
            publishing.events["basic_return"].add(self._on_return)
        self._channel = publishing
        self._connected.set()
        try:
            yield
        finally:
            self._connected.clear()
            self._channel = None

    def publish(
        self,
        body: bytes,
        *,
        exchange: str,
        routing_key: str,
        wait: float = 0.0,
        mandatory: bool = False,
        headers: dict | None = None,
        expiration: float | None = None,
        **properties: Any,
    ) -> None:
        """Publish an encoded message; wait up to `wait` s for a connection if there is none.

        Straight onto the channel: kombu's producer would rebuild the same frame through
        several layers on every call, a third of a call's CPU between two services.
        """
        channel = self._channel
        if channel is None and self._connected.wait(wait):
            channel = self._channel
        if channel is None:
            raise NotConnected("not connected to the broker")
        if expiration is not None:  # seconds, as kombu takes it; milliseconds on the wire
            properties["expiration"] = str(max(int(expiration * 1000), 1))
        message = amqp.Message(body, application_headers=headers or {}, **properties)
        channel.basic_publish(
            message, exchange=exchange, routing_key=routing_key, mandatory=mandatory
        )


def encode(payload: Any, serializer: str) -> tuple[bytes, str, str]:
    """(body, content_type, content_encoding) of a payload."""
    content_type, content_encoding, body = kombu.serialization.dumps(payload, serializer)
    return body, content_type, content_encoding


def encode_reply(result: Any, exc_info, content_type: str):
    """The reply to a request, encoded as the request was; stock nameko's reply payload.

    A result that cannot be serialised becomes an `UnserializableValueError` reply.
    Returns (result, exc_info, body, content_type, content_encoding).
    """
    serializer = kombu.serialization.registry.type_to_name[content_type]
    error = serialize(exc_info[1]) if exc_info is not None else None
    try:
        encoded = encode({"result": result, "error": error}, serializer)
    except Exception:
        exc_info = sys.exc_info()
        encoded = encode(
            {"result": None, "error": serialize(UnserializableValueError(result))}, serializer
        )
        result = None
    return (result, exc_info, *encoded)
