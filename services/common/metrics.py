"""Prometheus metrics: the process's `/metrics` endpoint and what every service counts.

One endpoint per process (`METRICS_ADDRESS`, host:port; empty turns it off), however many
services the launcher runs in it: each series carries a `service` label. Labels stay few
and bounded (service, entrypoint, route template, outcome), never ids or raw paths.
"""

from __future__ import annotations

import functools
import time
from weakref import WeakKeyDictionary

from nameko.events import EventHandler as NamekoEventHandler
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import Counter, Gauge, Histogram, start_http_server

from services.common.logging import get_logger

log = get_logger(__name__)

WORKER_SECONDS = Histogram(
    "rathaus_worker_seconds",
    "Time a worker took, from setup to its result handled.",
    ["service", "entrypoint", "kind"],
)
WORKER_TOTAL = Counter(
    "rathaus_worker_total",
    "Workers run, by outcome: ok, error, or duplicate (an event already handled).",
    ["service", "entrypoint", "outcome"],
)
EVENTS_RETRIED = Counter(
    "rathaus_events_retried_total",
    "Failed event deliveries sent to the delay queue for another try.",
    ["service", "handler"],
)
EVENTS_DEAD_LETTERED = Counter(
    "rathaus_events_dead_lettered_total",
    "Events moved to the dead-letter queue (every retry failed, or malformed).",
    ["service", "handler"],
)
EVENTS_UNROUTABLE = Counter(
    "rathaus_events_unroutable_total",
    "Events no queue took, parked in the unroutable queue.",
    ["exchange"],
)
EVENTS_DROPPED = Counter(
    "rathaus_events_dropped_total",
    "Transient events no queue took (no gateway listening), dropped as they may be.",
    ["exchange", "event_type"],
)
OUTBOX_PUBLISHED = Counter(
    "rathaus_outbox_published_total",
    "Events the outbox relay published with the broker's confirm.",
    ["service"],
)
OUTBOX_PENDING = Gauge(
    "rathaus_outbox_pending",
    "Unpublished outbox rows, counted at the relay's last timed sweep.",
    ["service"],
)
HTTP_REQUESTS = Counter(
    "rathaus_http_requests_total",
    "HTTP requests the gateway answered, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_SECONDS = Histogram(
    "rathaus_http_request_seconds",
    "Time the gateway took to produce a response, by route template and method.",
    ["route", "method"],
)

UNMATCHED_ROUTE = "<unmatched>"
_HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def http_method_label(method: str) -> str:
    """The request method, or OTHER: a client must not be able to invent label values."""
    return method if method in _HTTP_METHODS else "OTHER"


def entrypoint_kind(entrypoint) -> str:
    if isinstance(entrypoint, Rpc):
        return "rpc"
    if isinstance(entrypoint, NamekoEventHandler):
        return "event"
    if isinstance(entrypoint, HttpRequestHandler):
        return "http"
    return "other"


def worker_outcome(exc_info) -> str:
    # imported here: the database module imports the outbox, which imports this module
    from services.common.database import EventAlreadyHandled

    if exc_info is None:
        return "ok"
    return "duplicate" if isinstance(exc_info[1], EventAlreadyHandled) else "error"


class WorkerMetrics(DependencyProvider):
    """Times and counts every worker of the service it is declared on."""

    def setup(self) -> None:
        self._started: WeakKeyDictionary = WeakKeyDictionary()

    def worker_setup(self, worker_ctx) -> None:
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None) -> None:
        started = self._started.pop(worker_ctx, None)
        entrypoint = worker_ctx.entrypoint
        if started is not None:
            self._seconds(entrypoint).observe(time.perf_counter() - started)
        self._total(entrypoint.method_name, worker_outcome(exc_info)).inc()

    # a worker's series, looked up once: prometheus_client rebuilds the label key per call
    @functools.cache  # noqa: B019 (one provider per service, for the process's life)
    def _seconds(self, entrypoint):
        service = self.container.service_name
        return WORKER_SECONDS.labels(service, entrypoint.method_name, entrypoint_kind(entrypoint))

    @functools.cache  # noqa: B019
    def _total(self, method_name: str, outcome: str):
        return WORKER_TOTAL.labels(self.container.service_name, method_name, outcome)


def start_metrics_server(address: str | None) -> None:
    """Serve /metrics at `host:port`; an empty address serves nothing.

    A port already taken (a second process on one machine) costs the metrics of this
    process, not the process: it logs a warning and goes on.
    """
    if not address:
        return
    host, _, port = str(address).rpartition(":")
    try:
        start_http_server(int(port), addr=host or "0.0.0.0")
    except OSError as error:
        log.warning("metrics_endpoint_unavailable", address=address, error=str(error))
        return
    log.info("metrics_endpoint_started", address=address)
