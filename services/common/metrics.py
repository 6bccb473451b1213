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
from prometheus_client import Counter, Gauge, Histogram, make_wsgi_app

from services.common import health
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
OUTBOX_OLDEST_SECONDS = Gauge(
    "rathaus_outbox_oldest_seconds",
    "Age of the oldest unpublished outbox row at the relay's last timed sweep; 0 when none.",
    ["service"],
)
RPC_SERVED = Counter(
    "rathaus_rpc_served_total",
    "RPC requests a service answered, by method and outcome: ok, refused (a typed error "
    "the caller can act on) or error.",
    ["service", "method", "outcome"],
)
WORKERS_BUSY = Gauge(
    "rathaus_workers_busy",
    "Workers running now (RPC, events, timers, HTTP routes), against rathaus_workers_max.",
    ["service"],
)
WORKERS_MAX = Gauge(
    "rathaus_workers_max",
    "The most workers a service instance runs at once (max_workers), summed over the "
    "instances in this process.",
    ["service"],
)
LIVE_STREAMS_OPEN = Gauge(
    "rathaus_live_streams_open",
    "Server-Sent-Events streams open on this gateway, by hub (clerks' queue, desks).",
    ["stream"],
)
DEAD_LETTERS_WAITING = Gauge(
    "rathaus_dead_letters_waiting",
    "Messages waiting in the dead-letter queue, sampled by the gateway.",
    ["queue"],
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


def rpc_outcome(entrypoint, exc_info) -> str:
    """ok, refused (an error the entrypoint expects: the caller's to act on) or error."""
    if exc_info is None:
        return "ok"
    return "refused" if isinstance(exc_info[1], entrypoint.expected_exceptions) else "error"


class WorkerMetrics(DependencyProvider):
    """Times and counts every worker of the service it is declared on, and how many run."""

    def setup(self) -> None:
        self._started: WeakKeyDictionary = WeakKeyDictionary()
        self._busy = WORKERS_BUSY.labels(self.container.service_name)
        self._max = WORKERS_MAX.labels(self.container.service_name)

    def start(self) -> None:
        self._counted_max = self.container.max_workers
        self._max.inc(self._counted_max)

    def stop(self) -> None:
        # once, whether the container stops or is killed
        counted, self._counted_max = getattr(self, "_counted_max", 0), 0
        self._max.dec(counted)
        # workers a kill cut short never report a result
        self._busy.dec(len(self._started))
        self._started.clear()

    kill = stop

    def worker_setup(self, worker_ctx) -> None:
        self._started[worker_ctx] = time.perf_counter()
        self._busy.inc()

    def worker_result(self, worker_ctx, result=None, exc_info=None) -> None:
        started = self._started.pop(worker_ctx, None)
        entrypoint = worker_ctx.entrypoint
        if started is not None:
            self._busy.dec()
            self._seconds(entrypoint).observe(time.perf_counter() - started)
        self._total(entrypoint.method_name, worker_outcome(exc_info)).inc()
        if isinstance(entrypoint, Rpc):
            self._served(entrypoint.method_name, rpc_outcome(entrypoint, exc_info)).inc()

    # a worker's series, looked up once: prometheus_client rebuilds the label key per call
    @functools.cache  # noqa: B019 (one provider per service, for the process's life)
    def _seconds(self, entrypoint):
        service = self.container.service_name
        return WORKER_SECONDS.labels(service, entrypoint.method_name, entrypoint_kind(entrypoint))

    @functools.cache  # noqa: B019
    def _total(self, method_name: str, outcome: str):
        return WORKER_TOTAL.labels(self.container.service_name, method_name, outcome)

    @functools.cache  # noqa: B019
    def _served(self, method_name: str, outcome: str):
        return RPC_SERVED.labels(self.container.service_name, method_name, outcome)


def start_metrics_server(address: str | None) -> None:
    """Serve /metrics at `host:port`; an empty address serves nothing.

    A port already taken (a second process on one machine) costs the metrics of this
    process, not the process: it logs a warning and goes on.
    """
    if not address:
        return
    host, _, port = str(address).rpartition(":")
    try:
        # with /livez and /readyz beside /metrics: the probes of every pod (health.py)
        health.serve(host or "0.0.0.0", int(port), make_wsgi_app())
    except OSError as error:
        log.warning("metrics_endpoint_unavailable", address=address, error=str(error))
        return
    log.info("metrics_endpoint_started", address=address)
