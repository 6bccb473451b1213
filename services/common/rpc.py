"""RPC between services: a deadline on every call, typed errors on every failure.

nameko's `ServiceRpc` waits for ever for a service that is down or stuck. `RemoteService`
gives each call a deadline (`RPC_TIMEOUT`, or per dependency) and turns "nobody answered"
into `ServiceUnavailable`, so a caller degrades instead of hanging. Errors a service raises
on purpose (`ServiceError` subclasses) arrive as the same types.

The calls travel as stock nameko RPC messages, over one connection per service container
that publishes the requests and consumes the replies (see `rpc_transport`). A request
expires at its deadline, so a service that comes back late does not act for a caller that
has given up.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import eventlet
from amqp.exceptions import ConnectionError as AmqpConnectionError
from eventlet.event import Event as GreenEvent
from kombu import Queue
from nameko import config, serialization
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    DEFAULT_HEARTBEAT,
    HEARTBEAT_CONFIG_KEY,
    LOGIN_METHOD_CONFIG_KEY,
)
from nameko.exceptions import deserialize
from nameko.extensions import DependencyProvider, SharedExtension
from nameko.messaging import encode_to_headers
from nameko.rpc import RPC_REPLY_QUEUE_TEMPLATE, RPC_REPLY_QUEUE_TTL, get_rpc_exchange

from services.common.errors import ServiceUnavailable
from services.common.rpc_metrics import measured
from services.common.rpc_transport import ConsumerPublisher, encode
from services.common.settings import amqp_uri, rpc_timeout
from services.common.tracing import rpc_client_span, tracer_for

# what the reply listener hands a call whose request the broker could not route
_UNROUTABLE = object()


class RpcReplies(SharedExtension):
    """A container's reply queue, and the connection its requests leave on."""

    consumer: ConsumerPublisher  # made in setup, once the container's config is known

    def __init__(self) -> None:
        self.pending: dict[str, GreenEvent] = {}
        super().__init__()

    def setup(self) -> None:
        self.routing_key = str(uuid.uuid4())
        self.exchange = get_rpc_exchange()
        self.serializer = self.container.serializer
        self.tracer = tracer_for(self.container.service_name)
        queue = Queue(
            RPC_REPLY_QUEUE_TEMPLATE.format(self.container.service_name, self.routing_key),
            exchange=self.exchange,
            routing_key=self.routing_key,
            durable=False,
            queue_arguments={"x-expires": RPC_REPLY_QUEUE_TTL},
        )
        self.consumer = ConsumerPublisher(
            amqp_uri(),
            ssl=config.get(AMQP_SSL_CONFIG_KEY),
            login_method=config.get(LOGIN_METHOD_CONFIG_KEY),
            queues=[queue],
            callbacks=[self.handle_reply],
            heartbeat=config.get(HEARTBEAT_CONFIG_KEY, DEFAULT_HEARTBEAT),
            accept=serialization.setup()[1],
            no_ack=True,
            on_return=self.handle_return,
        )

    def start(self) -> None:
        self.consumer.start_in(self.container, f"{self.container.service_name}.rpc_replies")

    def stop(self) -> None:
        self.consumer.stop_and_wait()

    def send(
        self, target: str, args, kwargs, context_data: dict, timeout: float
    ) -> tuple[str, GreenEvent]:
        """Publish a request to `target` ("service.method"); return its id and its reply."""
        correlation_id = str(uuid.uuid4())
        body, content_type, content_encoding = encode(
            {"args": args, "kwargs": kwargs}, self.serializer
        )
        reply = self.pending[correlation_id] = GreenEvent()
        try:
            self.consumer.publish(
                body,
                wait=timeout,
                exchange=self.exchange.name,
                routing_key=target,
                mandatory=True,
                reply_to=self.routing_key,
                correlation_id=correlation_id,
                content_type=content_type,
                content_encoding=content_encoding,
                headers=encode_to_headers(context_data),
                delivery_mode=1,
                expiration=timeout,
            )
        except Exception:
            self.pending.pop(correlation_id, None)
            raise
        return correlation_id, reply

    def handle_reply(self, body, message) -> None:
        reply = self.pending.pop(message.properties.get("correlation_id"), None)
        if reply is not None:
            reply.send(body)

    def handle_return(self, exception, exchange, routing_key, message) -> None:
        reply = self.pending.pop(message.properties.get("correlation_id"), None)
        if reply is not None:
            reply.send(_UNROUTABLE)


class RemoteService(DependencyProvider):
    """A client of one service, with a deadline on every call."""

    replies = RpcReplies()

    def __init__(self, target_service: str, *, timeout: float | None = None) -> None:
        self.target_service = target_service
        self.timeout = timeout

    def get_dependency(self, worker_ctx) -> ServiceProxy:
        return ServiceProxy(
            self.replies,
            self.target_service,
            self.timeout or rpc_timeout(),
            worker_ctx.context_data,
            client=self.container.service_name,
        )


class ServiceProxy:
    def __init__(
        self,
        replies: RpcReplies,
        service_name: str,
        timeout: float,
        context_data: dict,
        *,
        client: str = "",
    ) -> None:
        self._replies = replies
        self._service_name = service_name
        self._timeout = timeout
        self._context_data = context_data
        self._client = client  # the calling service, for the metrics

    def __getattr__(self, method_name: str):
        if method_name.startswith("__"):
            raise AttributeError(method_name)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self.call(method_name, *args, **kwargs)

        return call

    def call(self, method_name: str, *args: Any, **kwargs: Any) -> Any:
        return measured(
            self._client,
            self._service_name,
            method_name,
            lambda: self._call(method_name, *args, **kwargs),
        )

    def _call(self, method_name: str, *args: Any, **kwargs: Any) -> Any:
        tracer = self._replies.tracer
        if tracer is None:
            return self._send_and_wait(method_name, self._context_data, args, kwargs)
        # the call's client span: the answering worker's span is its child
        with rpc_client_span(
            tracer, self._service_name, method_name, self._context_data
        ) as context_data:
            return self._send_and_wait(method_name, context_data, args, kwargs)

    def _send_and_wait(self, method_name: str, context_data: dict, args, kwargs) -> Any:
        deadline = time.monotonic() + self._timeout
        try:
            correlation_id, reply = self._replies.send(
                f"{self._service_name}.{method_name}",
                args,
                kwargs,
                context_data,
                self._timeout,
            )
        except (OSError, AmqpConnectionError) as error:
            raise self._unavailable(f"cannot be reached ({error})", method_name) from None
        try:
            with eventlet.Timeout(max(deadline - time.monotonic(), 0.001)):
                body = reply.wait()
        except eventlet.Timeout:
            # forget the call, or a reply that never comes would be waited for forever
            self._replies.pending.pop(correlation_id, None)
            raise self._unavailable(
                f"did not answer within {self._timeout:g} s", method_name
            ) from None
        if body is _UNROUTABLE:
            raise self._unavailable("is not running", method_name)
        if body.get("error"):
            raise deserialize(body["error"])
        return body["result"]

    def _unavailable(self, what: str, method_name: str) -> ServiceUnavailable:
        return ServiceUnavailable(
            f"The {self._service_name} service {what}.",
            {"service": self._service_name, "method": method_name},
        )
