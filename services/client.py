"""The platform's RPC client for a portal: one connection, deadlines, typed errors, a signed caller.

A portal (ours or a third party's) that calls the services directly imports this instead of
nameko's `ClusterRpcClient`, which opens a connection and a reply queue for every client
and waits for ever without a timeout. This client keeps one connection and one reply queue
for its lifetime, gives every call a deadline (the request expires with it, so a service
that comes back late does not act for a caller who gave up), turns "nobody answered" into
`ServiceUnavailable`, raises the platform's typed errors (`services.<name>.errors`) as
themselves, and signs each caller with the portal's own identity key:

    from services.client import Caller, PlatformClient

    with PlatformClient(
        "amqp://portal:secret@rabbitmq:5672/",
        key_id="my-portal",              # its public key is in the services'
        signing_key=PORTAL_SIGNING_KEY,  # IDENTITY_TRUSTED_KEYS as my-portal=...
        timeout=5,
    ) as platform:
        anna = platform.acting_for(Caller("anna", "citizen"))
        cases = anna.applications.my_cases()
        services = platform.anonymous.appointments.list_services()

It speaks nameko's RPC wire format (the `nameko-rpc` exchange, JSON bodies, context in
`nameko.*` headers), so the services need nothing special for it. It needs neither eventlet
nor a nameko container: threads may share one client (one of them reads the connection
while the others wait for their replies), and under eventlet it is as cooperative as the
socket. See docs/rpc.md for every method, its input, output, roles and errors.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import threading
import time
import uuid
from collections.abc import Mapping
from typing import Any

import amqp
from kombu.utils.url import url_to_parts
from nameko.exceptions import deserialize

from services import BUSINESS_SERVICES
from services.common.context import CORRELATION_ID_KEY, new_correlation_id
from services.common.errors import ServiceUnavailable
from services.common.identity import Caller as Caller  # re-exported for portals
from services.common.identity import IdentitySigner
from services.common.rpc_metrics import measured

__all__ = ["Caller", "PlatformClient", "ServiceUnavailable"]

RPC_EXCHANGE = "nameko-rpc"
HEADER_PREFIX = "nameko"
_ANONYMOUS = Caller(subject=None, role=None)

for _service in BUSINESS_SERVICES:  # register each service's typed errors with nameko
    importlib.import_module(f"services.{_service}.errors")


class PlatformClient:
    def __init__(
        self,
        uri: str,
        *,
        key_id: str | None = None,
        signing_key: str | None = None,
        timeout: float = 10.0,
        identity_lifetime: int = 300,
    ) -> None:
        self._parameters = _connection_parameters(uri)
        self._signer = (
            IdentitySigner(key_id, signing_key, identity_lifetime)
            if key_id and signing_key
            else None
        )
        self.timeout = timeout
        # who calls, in the rathaus_rpc_client_* metrics of the process it runs in
        self._metrics_name = key_id or "platform-client"
        self._connection: amqp.Connection | None = None
        self._channel: amqp.Channel | None = None
        self._reply_to = ""
        self._replies: dict[str, Any] = {}
        self._publishing = threading.Lock()
        self._reading = threading.Lock()

    # lifecycle

    def __enter__(self) -> PlatformClient:
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def connect(self) -> None:
        connection = amqp.Connection(**self._parameters)
        connection.connect()
        channel = connection.channel()
        reply_to = f"rpc.reply-portal-{uuid.uuid4().hex}"
        channel.queue_declare(reply_to, exclusive=True, auto_delete=True)
        channel.queue_bind(reply_to, RPC_EXCHANGE, routing_key=reply_to)
        channel.basic_consume(reply_to, no_ack=True, callback=self._on_reply)
        channel.events["basic_return"].add(self._on_return)
        self._connection, self._channel, self._reply_to = connection, channel, reply_to

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(OSError, amqp.exceptions.AMQPError):  # already gone
                connection.close()

    # calls

    @property
    def anonymous(self) -> _Acting:
        return _Acting(self, _ANONYMOUS)

    def acting_for(self, caller: Caller) -> _Acting:
        """Calls on behalf of `caller`, whom this client's key vouches for."""
        if caller.is_authenticated and self._signer is None:
            raise ValueError("Give the client a key_id and signing_key to act for a caller.")
        return _Acting(self, caller)

    def call(
        self,
        service: str,
        method: str,
        args: tuple = (),
        kwargs: Mapping[str, Any] | None = None,
        *,
        caller: Caller = _ANONYMOUS,
        correlation_id: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        return measured(
            self._metrics_name,
            service,
            method,
            lambda: self._call(service, method, args, kwargs, caller, correlation_id, timeout),
        )

    def _call(
        self,
        service: str,
        method: str,
        args: tuple,
        kwargs: Mapping[str, Any] | None,
        caller: Caller,
        correlation_id: str | None,
        timeout: float | None,
    ) -> Any:
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        request_id = str(uuid.uuid4())
        context: dict[str, Any] = {CORRELATION_ID_KEY: correlation_id or new_correlation_id()}
        if caller.is_authenticated and self._signer is not None:
            context.update(self._signer.context_for(caller))
        body = json.dumps({"args": list(args), "kwargs": dict(kwargs or {})})
        self._replies[request_id] = None
        try:
            self._publish(f"{service}.{method}", request_id, body, context, timeout)
            reply = self._wait(request_id, deadline, service, method, timeout)
        finally:
            self._replies.pop(request_id, None)
        if reply is _UNROUTABLE:
            raise _unavailable(service, method, "is not running")
        if reply.get("error"):
            raise deserialize(reply["error"])
        return reply.get("result")

    def _publish(
        self, target: str, request_id: str, body: str, context: dict, timeout: float
    ) -> None:
        message = amqp.Message(
            body,
            content_type="application/json",
            content_encoding="utf-8",
            reply_to=self._reply_to,
            correlation_id=request_id,
            delivery_mode=1,
            expiration=str(max(int(timeout * 1000), 1)),
            application_headers={f"{HEADER_PREFIX}.{key}": value for key, value in context.items()},
        )
        with self._publishing:
            try:
                if self._connection is None:
                    self.connect()
                self._channel.basic_publish(
                    message, exchange=RPC_EXCHANGE, routing_key=target, mandatory=True
                )
            except (OSError, amqp.exceptions.AMQPError) as error:
                self.close()  # the next call connects afresh
                service, method = target.split(".", 1)
                raise _unavailable(service, method, f"cannot be reached ({error})") from None

    def _wait(self, request_id: str, deadline: float, service: str, method: str, timeout: float):
        while self._replies.get(request_id) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _unavailable(service, method, f"did not answer within {timeout:g} s")
            # one thread reads the connection; it hands every reply to whoever waits for it
            if not self._reading.acquire(timeout=min(remaining, 0.05)):
                continue
            try:
                if self._replies.get(request_id) is None:
                    self._drain(min(remaining, 0.05))
            finally:
                self._reading.release()
        return self._replies[request_id]

    def _drain(self, timeout: float) -> None:
        try:
            self._connection.drain_events(timeout=timeout)
        except TimeoutError:
            pass
        except (OSError, AttributeError, amqp.exceptions.AMQPError):
            self.close()
            raise ServiceUnavailable("The connection to the broker was lost.") from None

    def _on_reply(self, message: amqp.Message) -> None:
        request_id = message.properties.get("correlation_id")
        if request_id in self._replies:
            self._replies[request_id] = json.loads(message.body)

    def _on_return(self, exception, exchange, routing_key, message) -> None:
        request_id = message.properties.get("correlation_id")
        if request_id in self._replies:
            self._replies[request_id] = _UNROUTABLE


_UNROUTABLE: Any = object()


class _Acting:
    """`client.acting_for(caller).appointments.my_appointments()`."""

    def __init__(self, client: PlatformClient, caller: Caller) -> None:
        self._client = client
        self._caller = caller

    def __getattr__(self, service: str) -> _Service:
        if service.startswith("__"):
            raise AttributeError(service)
        return _Service(self._client, self._caller, service)


class _Service:
    def __init__(self, client: PlatformClient, caller: Caller, name: str) -> None:
        self._client = client
        self._caller = caller
        self._name = name

    def __getattr__(self, method: str):
        if method.startswith("__"):
            raise AttributeError(method)

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._client.call(self._name, method, args, kwargs, caller=self._caller)

        return call


def _unavailable(service: str, method: str, what: str) -> ServiceUnavailable:
    return ServiceUnavailable(
        f"The {service} service {what}.", {"service": service, "method": method}
    )


def _connection_parameters(uri: str) -> dict[str, Any]:
    """py-amqp's keywords for an `amqp://user:password@host:port/vhost` URI."""
    _, host, port, user, password, vhost, _ = url_to_parts(uri)
    return {
        "host": f"{host or '127.0.0.1'}:{port or 5672}",
        "userid": user or "guest",
        "password": password or "guest",
        "virtual_host": vhost or "/",
        "heartbeat": 0,
    }
