"""What RPC callers see: calls, outcomes and time per (caller, service, method), client side.

The server side counts what it answered (`rathaus_rpc_served_total`); only the caller sees
a call that never arrived or was answered too late: a service down, a broker gone, a
deadline passed. Both wrappers count here: `services.common.rpc.RemoteService` (a service
calling another, `client` is its own name) and `services.client.PlatformClient` (a portal,
`client` is its key id).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from prometheus_client import Counter, Histogram

from services.common.errors import ServiceError, ServiceUnavailable

T = TypeVar("T")

RPC_CALLS = Counter(
    "rathaus_rpc_client_calls_total",
    "RPC calls made, by the caller's outcome: ok, refused (a typed error the service "
    "answered), unavailable (not reached, not running, or no answer within the deadline) "
    "or error (anything else, a bug in the service among them).",
    ["client", "service", "method", "outcome"],
)
RPC_CALL_SECONDS = Histogram(
    "rathaus_rpc_client_seconds",
    "Time from sending an RPC request to its answer or the deadline, as the caller waited.",
    ["client", "service", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def call_outcome(error: BaseException | None) -> str:
    if error is None:
        return "ok"
    if isinstance(error, ServiceUnavailable):
        return "unavailable"
    return "refused" if isinstance(error, ServiceError) else "error"


def measured(client: str, service: str, method: str, call: Callable[[], T]) -> T:
    """`call()`, counted and timed under the three names; its result or its error as is."""
    started = time.perf_counter()
    error: BaseException | None = None
    try:
        return call()
    except Exception as raised:
        error = raised
        raise
    finally:
        RPC_CALLS.labels(client, service, method, call_outcome(error)).inc()
        RPC_CALL_SECONDS.labels(client, service, method).observe(time.perf_counter() - started)
