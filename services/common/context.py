"""Who is asking and on whose behalf: the verified caller and the correlation id of a worker.

A front door (the gateway) signs the caller into the context_data (`services.common.identity`);
nameko copies context_data into the headers of every RPC and event a worker sends, so the
assertion and the correlation id follow a citizen's request through every service. Each
service verifies the assertion here, in one dependency, before its entrypoint runs; the
caller and the correlation id appear in every log line.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import structlog
from nameko.extensions import DependencyProvider, SharedExtension

from services.common import tracing
from services.common.identity import ROLES, Caller, IdentityVerifier

__all__ = [
    "CORRELATION_ID_KEY",
    "ROLES",
    "Caller",
    "IdentityCheck",
    "RequestContext",
    "new_correlation_id",
]

CORRELATION_ID_KEY = "correlation_id"


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def log_context(
    context_data: Mapping[str, Any], caller: Caller, service_name: str, entrypoint: str
) -> dict:
    return {
        "service": service_name,
        "entrypoint": entrypoint,
        CORRELATION_ID_KEY: context_data.get(CORRELATION_ID_KEY),
        "caller": caller.subject,
        "role": caller.role,
    }


class IdentityCheck(SharedExtension):
    """The container's verifier: one, shared by its entrypoints and its RequestContext, so
    that an assertion is verified once and then remembered for as long as it lives."""

    def setup(self) -> None:
        self.verifier = IdentityVerifier.from_config()

    def caller_of(self, context_data: Mapping[str, Any]) -> Caller:
        return self.verifier.caller_of(context_data)


class RequestContext(DependencyProvider):
    """Gives a worker its verified `Caller` and binds the correlation id and caller to its logs.

    A caller whose assertion does not verify is anonymous: never an error here, so that what
    anyone may do still works, and what needs a caller answers `Unauthenticated`. A worker
    that was not started by a request (a timer, say) gets a fresh correlation id, so
    everything it causes can still be traced back to it. With tracing on, a worker that was
    called (an RPC, an event, a gateway request) runs in a span of its own
    (`tracing.WorkerSpan`).
    """

    identity = IdentityCheck()

    def setup(self) -> None:
        self.tracer = tracing.tracer_for(self.container.service_name)
        self.spans: dict[Any, tracing.WorkerSpan] = {}

    def stop(self) -> None:
        if self.tracer is not None:
            tracing.flush()

    def caller_of(self, context_data: Mapping[str, Any]) -> Caller:
        return self.identity.caller_of(context_data)

    def worker_setup(self, worker_ctx) -> None:
        context_data = worker_ctx.context_data
        context_data.setdefault(CORRELATION_ID_KEY, new_correlation_id())
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            **log_context(
                context_data,
                self.caller_of(context_data),
                self.container.service_name,
                worker_ctx.entrypoint.method_name,
            )
        )
        if self.tracer is not None:
            span = tracing.WorkerSpan.start(self.tracer, worker_ctx, self.container.service_name)
            if span is not None:
                self.spans[worker_ctx] = span

    def worker_result(self, worker_ctx, result=None, exc_info=None) -> None:
        span = self.spans.get(worker_ctx)
        if span is not None and exc_info is not None:
            span.error = exc_info[1]
            span.expected = isinstance(exc_info[1], worker_ctx.entrypoint.expected_exceptions)

    def worker_teardown(self, worker_ctx) -> None:
        structlog.contextvars.clear_contextvars()
        span = self.spans.pop(worker_ctx, None)
        if span is not None:
            span.end()

    def get_dependency(self, worker_ctx) -> Caller:
        return self.caller_of(worker_ctx.context_data)
