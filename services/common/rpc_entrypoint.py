"""The `rpc` entrypoint of our services: nameko's, answering over the consumer's connection.

Replies leave on the connection that brought the request, without publisher confirms
(see `rpc_transport`). Requests, replies and the service's queue are stock nameko's.

Because replies and acknowledgements need that connection, a stopping service first stops
taking requests, then answers those it has, then disconnects. (Stock nameko disconnects at
once: a request still running is acknowledged into a closed connection, and the broker
gives it to another instance, which runs it again.)

The service's request queue (rpc-<service>) is a quorum queue, with a delivery limit
(`topology.queue_arguments`): nameko would declare a classic one.

A service should use this `rpc` for all its methods (`services.common.service.rpc`). A
method decorated with stock `nameko.rpc.rpc` in the same service still works: both share
one consumer of the service's queue, whichever of the two the container binds first.
"""

from __future__ import annotations

import inspect
from typing import Final

import eventlet
from marshmallow import Schema
from nameko import rpc as nameko_rpc
from nameko.exceptions import IncorrectSignature
from nameko.messaging import decode_from_headers

from services.common import answers
from services.common.context import IdentityCheck
from services.common.engine import unavailable_if_away
from services.common.errors import ServiceError, ServiceUnavailable
from services.common.logging import get_logger
from services.common.rpc_transport import ConsumerPublisher, encode_reply
from services.common.topology import queue_arguments

log = get_logger(__name__)

# Right after a (re)connection the consumer may hand over a request that was waiting in the
# queue while its publishing channel is still being opened: the reply waits that long for it.
REPLY_WAIT = 5.0


class RpcConsumer(nameko_rpc.RpcConsumer):
    consumer_cls = ConsumerPublisher

    def __init__(self, **consumer_options) -> None:
        super().__init__(**consumer_options)
        self._in_hand: set = set()  # the requests taken and not answered yet
        self._stopping = False
        self._killed = False

    def setup(self) -> None:
        super().setup()
        # the consumer declares this very queue object when it connects
        self.queue.queue_arguments = queue_arguments(self.queue.name)

    @property
    def sharing_key(self):
        # one consumer per service queue: two would take turns at messages for each other
        return nameko_rpc.RpcConsumer

    def start(self) -> None:
        self.consumer.start_in(self.container, f"{self.container.service_name}.rpc_requests")

    def stop(self) -> None:
        self._stopping = True
        while self._in_hand and not self._killed:
            eventlet.sleep(0.05)
        self.consumer.stop_and_wait()

    def kill(self) -> None:
        self._killed = True
        self.consumer.stop()

    def handle_message(self, body, message) -> None:
        if self._stopping:
            # left unacknowledged: the broker gives it to another instance when we disconnect
            return
        self._in_hand.add(message)
        super().handle_message(body, message)

    def handle_result(self, message, result, exc_info):
        properties = message.properties
        try:
            result, exc_info, body, content_type, content_encoding = encode_reply(
                result, exc_info, properties["content_type"]
            )
            try:
                self.consumer.publish(
                    body,
                    exchange=nameko_rpc.get_rpc_exchange().name,
                    routing_key=properties["reply_to"],
                    correlation_id=properties.get("correlation_id"),
                    content_type=content_type,
                    content_encoding=content_encoding,
                    delivery_mode=1,
                    wait=REPLY_WAIT,
                )
            except Exception as error:
                log.warning("rpc_reply_not_sent", error=repr(error))  # the caller's deadline tells
            self.consumer.ack_message(message)
        finally:
            self._in_hand.discard(message)
        return result, exc_info


# `@rpc(roles=ANYONE)` (the default): an anonymous caller too; otherwise a verified caller
# with one of the roles (services.common.identity names the sets)
ANYONE: Final = None
Roles = tuple[str, ...] | None


class Rpc(nameko_rpc.Rpc):
    """`@rpc(roles=..., errors=(...), answers=Schema)`: who may call (checked against the
    verified caller before a worker starts), the typed errors it may answer (docs/rpc.md),
    and the service's schema every answer is dumped through (services.common.answers)."""

    rpc_consumer = RpcConsumer()
    identity = IdentityCheck()

    def __init__(
        self,
        *,
        roles: Roles = ANYONE,
        errors: tuple[type[ServiceError], ...] = (),
        answers: type[Schema] | None = None,
        many: bool = False,
        **kwargs,
    ) -> None:
        # a refusal the caller can act on is no error of the service: a warning, no traceback
        kwargs.setdefault("expected_exceptions", (ServiceError,))
        super().__init__(**kwargs)
        self.roles = roles
        self.errors = errors
        # the service's own output schema (a list of them with many=True): services.common.answers
        self.answers = answers
        self.many = many

    def setup(self) -> None:
        super().setup()
        # nameko inspects the method anew on every call; its signature does not change
        self._signature = inspect.signature(getattr(self.container.service_cls, self.method_name))

    def check_signature(self, args, kwargs) -> None:
        try:
            self._signature.bind(None, *args, **kwargs)
        except TypeError as error:
            raise IncorrectSignature(str(error)) from None

    def handle_result(self, message, worker_ctx, result, exc_info):
        away = exc_info and unavailable_if_away(exc_info[1], self.container.service_name)
        if away is not None:
            log.warning(
                "rpc_database_away",
                service=self.container.service_name,
                entrypoint=self.method_name,
                error=repr(exc_info[1]),
            )
            exc_info = (ServiceUnavailable, away, None)
        elif exc_info is None and self.answers is not None:
            try:
                result = answers.answer(
                    self.answers,
                    result,
                    many=self.many,
                    where=f"{self.container.service_name}.{self.method_name}",
                )
            except answers.AnswerOutOfContract as error:
                log.error("rpc_answer_out_of_contract", error=str(error))
                result, exc_info = None, (type(error), error, error.__traceback__)
        return super().handle_result(message, worker_ctx, result, exc_info)

    def handle_message(self, body, message) -> None:
        if self.roles is not ANYONE:
            caller = self.identity.caller_of(decode_from_headers(message.headers or {}))
            try:
                caller.require(*self.roles)
            except ServiceError as refusal:
                log.info(
                    "rpc_refused",
                    service=self.container.service_name,
                    entrypoint=self.method_name,
                    code=refusal.code,
                    caller=caller.subject,
                )
                raise
        super().handle_message(body, message)


rpc = Rpc.decorator
