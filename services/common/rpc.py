"""RPC between services: a deadline on every call, typed errors on every failure.

nameko's `ServiceRpc` waits for ever for a service that is down or stuck. `RemoteService`
gives each call a deadline (`RPC_TIMEOUT`, or per dependency) and turns "nobody answered"
into `ServiceUnavailable`, so a caller degrades instead of hanging. Errors a service raises
on purpose (`ServiceError` subclasses) arrive as the same types.
"""

from __future__ import annotations

from typing import Any

import eventlet
from nameko.exceptions import UnknownService
from nameko.rpc import ServiceRpc

from services.common.errors import ServiceUnavailable
from services.common.settings import rpc_timeout


class RemoteService(ServiceRpc):
    def __init__(self, target_service: str, *, timeout: float | None = None, **kwargs) -> None:
        super().__init__(target_service, **kwargs)
        self.timeout = timeout

    def get_dependency(self, worker_ctx) -> ServiceProxy:
        return ServiceProxy(
            super().get_dependency(worker_ctx),
            self.target_service,
            self.timeout or rpc_timeout(),
            self.reply_listener.pending,
        )


class ServiceProxy:
    def __init__(self, client, service_name: str, timeout: float, pending: dict) -> None:
        self._client = client
        self._service_name = service_name
        self._timeout = timeout
        self._pending = pending

    def __getattr__(self, method_name: str):
        def call(*args: Any, **kwargs: Any) -> Any:
            return self.call(method_name, *args, **kwargs)

        return call

    def call(self, method_name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            reply = getattr(self._client, method_name).call_async(*args, **kwargs)
        except UnknownService:
            raise ServiceUnavailable(
                f"The {self._service_name} service is not running.",
                {"service": self._service_name},
            ) from None
        try:
            with eventlet.Timeout(self._timeout):
                return reply.result()
        except eventlet.Timeout:
            # forget the call, or a reply that never comes would be waited for forever
            self._pending.pop(reply.correlation_id, None)
            raise ServiceUnavailable(
                f"The {self._service_name} service did not answer within {self._timeout:g} s.",
                {"service": self._service_name, "method": method_name},
            ) from None
