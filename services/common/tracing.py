"""Tracing with OpenTelemetry: one trace from a citizen's request through RPCs and events.

A span is opened where work enters a service and where it leaves one:

- the gateway's HTTP request (server; it continues an incoming W3C `traceparent` header);
- every RPC, on the caller's side (client) and in the answering worker (server);
- every event the outbox relay publishes (producer), and every handler run (consumer);
- every e-mail the notifications dispatcher sends (client).

Between processes the W3C `traceparent` travels in nameko's context data (so in the
`nameko.traceparent` header of RPC requests and events), and in the event envelope, where
it is written in the same transaction as the event: the relay, perhaps minutes later and
in another instance, publishes the event as a child of the work that caused it.

Tracing is configuration (`TRACING.endpoint`, an OTLP/HTTP receiver) and off by default.
When it is off no SDK is imported and no span is made: the services pay a test of `None`
per entry point, and a look-up of the current span where an event is recorded and a line
logged.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nameko.events import EventHandler
from nameko.rpc import Rpc
from nameko.web.handlers import HttpRequestHandler
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from services.common.errors import ServiceError, ServiceUnavailable
from services.common.settings import from_section

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

__all__ = [
    "TRACEPARENT_KEY",
    "TracingSettings",
    "WorkerSpan",
    "add_trace_ids",
    "current_traceparent",
    "flush",
    "rpc_client_span",
    "span_in",
    "start_span",
    "traceparent_of",
    "tracer_for",
]

# the key in nameko's context data (and so the `nameko.traceparent` header) and in the envelope
TRACEPARENT_KEY = "traceparent"
INSTRUMENTATION = "rathaus"

_PROPAGATOR = TraceContextTextMapPropagator()
_providers: dict[tuple[str, TracingSettings], TracerProvider] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class TracingSettings:
    """The TRACING section: where spans go, how many traces are kept, how often they leave."""

    # base URL of an OTLP/HTTP receiver (a collector, Jaeger, Tempo): http://host:4318;
    # empty is off
    endpoint: str = ""
    # the share of new traces recorded; a trace begun elsewhere keeps its caller's decision
    sample_ratio: float = 1.0
    # seconds a finished span may wait before it is sent, in a batch with others
    export_delay: float = 2.0

    @classmethod
    def from_config(cls) -> TracingSettings:
        return from_section(cls, "TRACING")

    @property
    def traces_url(self) -> str:
        base = self.endpoint.rstrip("/")
        return base if base.endswith("/v1/traces") else f"{base}/v1/traces"


def tracer_for(service_name: str) -> Tracer | None:
    """The tracer of a service, or None when tracing is off (the configuration decides)."""
    settings = TracingSettings.from_config()
    if not settings.endpoint:
        return None
    key = (service_name, settings)
    with _lock:
        provider = _providers.get(key)
        if provider is None:
            provider = _providers[key] = _make_provider(service_name, settings)
    return provider.get_tracer(INSTRUMENTATION)


def _make_provider(service_name: str, settings: TracingSettings) -> TracerProvider:
    # imported here: with tracing off, the SDK and the exporter are never loaded
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    # one provider per service, so that each span names its service even when all of
    # them run in one process (the local default)
    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name, "service.namespace": "rathaus"}),
        sampler=ParentBased(TraceIdRatioBased(settings.sample_ratio)),
    )
    exporter = OTLPSpanExporter(endpoint=settings.traces_url)
    delay_ms = max(settings.export_delay, 0.05) * 1000
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=delay_ms))
    return provider


def flush(timeout: float = 5.0) -> None:
    """Send the finished spans of every service now (a stopping container calls it)."""
    for provider in list(_providers.values()):
        provider.force_flush(int(timeout * 1000))


def traceparent_of(span: Span) -> str | None:
    """The W3C traceparent that makes a span the parent of work elsewhere."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(span))
    return carrier.get(TRACEPARENT_KEY)


def current_traceparent() -> str | None:
    """The traceparent of this greenthread's current span; None when there is none (a
    look-up of a context variable when tracing is off: 0.1 us)."""
    span = trace.get_current_span()
    return traceparent_of(span) if span.get_span_context().is_valid else None


def _parent(traceparent: Any) -> otel_context.Context | None:
    """The context a traceparent names; None (a new trace) when it is absent or malformed."""
    if not isinstance(traceparent, str) or not traceparent:
        return None
    return _PROPAGATOR.extract({TRACEPARENT_KEY: traceparent})


def start_span(
    tracer: Tracer,
    name: str,
    *,
    kind: SpanKind,
    parent: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Span:
    """A span under the traceparent `parent` (a new trace without one)."""
    return tracer.start_span(
        name, context=_parent(parent), kind=kind, attributes=_clean(attributes)
    )


def end_span(span: Span, error: BaseException | None = None, *, expected: bool = False) -> None:
    """End a span; an error marks it failed unless it is a refusal the caller can act on."""
    if error is not None:
        mark_error(span, error, expected=expected)
    span.end()


def mark_error(span: Span, error: BaseException, *, expected: bool = False) -> None:
    """Name the error on the span; fail the span unless the error is an expected outcome."""
    span.set_attribute("error.type", type(error).__name__)
    refusal = isinstance(error, ServiceError) and not isinstance(error, ServiceUnavailable)
    if expected or refusal:
        # a 404, a 409 or a duplicate delivery is an answer, not a fault: the type says which
        if isinstance(error, ServiceError):
            span.set_attribute("rathaus.refusal", error.code)
        return
    span.record_exception(error)
    span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"[:300]))


def _clean(attributes: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not attributes:
        return None
    return {key: value for key, value in attributes.items() if value is not None}


@contextlib.contextmanager
def span_in(
    tracer: Tracer | None,
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    parent: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> Iterator[Span | None]:
    """A span around a block, current inside it (what the block records or publishes is
    its child); nothing at all when `tracer` is None."""
    if tracer is None:
        yield None
        return
    span = start_span(tracer, name, kind=kind, parent=parent, attributes=attributes)
    token = otel_context.attach(trace.set_span_in_context(span))
    try:
        yield span
    except BaseException as error:
        mark_error(span, error)
        raise
    finally:
        otel_context.detach(token)
        span.end()


@contextlib.contextmanager
def rpc_client_span(
    tracer: Tracer, service: str, method: str, context_data: Mapping[str, Any]
) -> Iterator[dict[str, Any]]:
    """The caller's span of an RPC; yields the context data to send, whose traceparent
    names this span."""
    parent = current_traceparent() or context_data.get(TRACEPARENT_KEY)
    span = start_span(
        tracer,
        f"{service}/{method}",
        kind=SpanKind.CLIENT,
        parent=parent,
        attributes={"rpc.system": "nameko", "rpc.service": service, "rpc.method": method},
    )
    try:
        yield {**context_data, TRACEPARENT_KEY: traceparent_of(span)}
    except BaseException as error:
        mark_error(span, error)
        raise
    finally:
        span.end()


def event_attributes(exchange: str, event_type: str, event_id: str, operation: str) -> dict:
    return {
        "messaging.system": "rabbitmq",
        "messaging.operation.type": operation,
        "messaging.destination.name": exchange,
        "messaging.rabbitmq.destination.routing_key": event_type,
        "messaging.message.id": event_id,
    }


@contextlib.contextmanager
def publishing(
    tracer: Tracer | None, events: Iterable[tuple[Any, str, str, str, str | None]]
) -> Iterator[dict[Any, str | None]]:
    """A producer span per event the relay publishes, each under the traceparent its
    envelope carries. `events` are (key, exchange, type, event id, traceparent); yields the
    traceparent of each event's span by key (an empty dict when tracing is off)."""
    if tracer is None:
        yield {}
        return
    spans = {
        key: start_span(
            tracer,
            f"publish {event_type}",
            kind=SpanKind.PRODUCER,
            parent=traceparent,
            attributes=event_attributes(exchange, event_type, event_id, "send"),
        )
        for key, exchange, event_type, event_id, traceparent in events
    }
    error: BaseException | None = None
    try:
        yield {key: traceparent_of(span) for key, span in spans.items()}
    except BaseException as failed:
        error = failed
        raise
    finally:
        for span in spans.values():
            end_span(span, error)


class WorkerSpan:
    """The span of one worker, current in its greenthread while it runs.

    Its parent is the traceparent in the worker's context data (the caller's client span,
    the event's producer span, the gateway's request); the worker's context data then
    names this span, so whatever the worker calls or publishes is its child. Timers and
    other entrypoints that nobody called get no span.
    """

    def __init__(self, span: Span, token: object) -> None:
        self.span = span
        self._token = token
        self.error: BaseException | None = None
        self.expected = False  # the error is one the entrypoint expects (a refusal)

    @classmethod
    def start(cls, tracer: Tracer, worker_ctx, service_name: str) -> WorkerSpan | None:
        entrypoint = worker_ctx.entrypoint
        context_data = worker_ctx.context_data
        method = entrypoint.method_name
        if isinstance(entrypoint, Rpc):
            name, kind = f"{service_name}/{method}", SpanKind.SERVER
            attributes: dict[str, Any] = {
                "rpc.system": "nameko",
                "rpc.service": service_name,
                "rpc.method": method,
            }
        elif isinstance(entrypoint, EventHandler):
            event = worker_ctx.args[0] if worker_ctx.args else None
            batch = event if isinstance(event, list) else None
            if batch is not None:  # a batch handler's events: named by the first
                event = batch[0] if batch else None
            event_type = getattr(event, "type", entrypoint.event_type)
            name, kind = f"process {entrypoint.source_service}.{event_type}", SpanKind.CONSUMER
            attributes = {
                **event_attributes(
                    f"{entrypoint.source_service}.events",
                    event_type,
                    str(getattr(event, "event_id", "")),
                    "process",
                ),
                "messaging.consumer.group.name": f"{service_name}.{method}",
            }
            if batch is not None:
                attributes["messaging.batch.message_count"] = len(batch)
        elif isinstance(entrypoint, HttpRequestHandler):
            if not context_data.get(TRACEPARENT_KEY):
                return None  # a page served without the request's span: no trace of its own
            name, kind = f"{service_name}.{method}", SpanKind.INTERNAL
            attributes = {"code.function.name": method}
        else:
            return None
        span = start_span(
            tracer, name, kind=kind, parent=context_data.get(TRACEPARENT_KEY), attributes=attributes
        )
        context_data[TRACEPARENT_KEY] = traceparent_of(span)
        return cls(span, otel_context.attach(trace.set_span_in_context(span)))

    def end(self) -> None:
        otel_context.detach(self._token)  # type: ignore[arg-type]
        end_span(self.span, self.error, expected=self.expected)


def add_trace_ids(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: the current span's trace and span ids on every line logged in
    it, beside the correlation id, so that a log line leads to its trace."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", trace.format_trace_id(context.trace_id))
        event_dict.setdefault("span_id", trace.format_span_id(context.span_id))
    return event_dict
