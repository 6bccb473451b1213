"""Tracing's plumbing without a broker: the traceparent in the event envelope, envelopes of
the release before, the relay's producer spans, trace ids in the logs, off by default.

Spans are recorded by the OpenTelemetry SDK into memory here; the integration test sends
them to an OTLP receiver."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
import structlog
from nameko import config
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common import tracing
from services.common.database import Transaction
from services.common.engine import create_service_engine
from services.common.events import Event
from services.common.logging import configure_logging, get_logger
from services.common.migrations import create_tables
from services.common.tables import outbox
from tests.support.pipeline import ENTRY_RECORDED

# version, trace id, parent span id, flags (sampled; the SDK also marks a random trace id)
TRACEPARENT = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]")


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider.get_tracer("test"), exporter
    provider.shutdown()


@pytest.fixture
def session(tmp_path):
    url = f"sqlite:///{tmp_path}/ledger.db"
    create_tables(url)
    engine = create_service_engine(url)
    with Session(engine) as session, session.begin():
        yield session
    engine.dispose()


def recorded_message(session: Session) -> dict:
    [message] = session.execute(select(outbox.c.message)).scalars()
    return message


def test_an_event_recorded_in_a_span_carries_its_traceparent_in_the_envelope(spans, session):
    tracer, _ = spans
    with tracing.span_in(tracer, "ledger/record", kind=SpanKind.SERVER) as span:
        Transaction(session, "ledger", "c-1").publish(
            ENTRY_RECORDED, {"entry_id": "e-1", "amount": 1}
        )
    message = recorded_message(session)
    assert TRACEPARENT.fullmatch(message["traceparent"])
    assert message["traceparent"] == tracing.traceparent_of(span)
    # the consumer reads it back from the envelope
    assert Event.from_message(message).traceparent == message["traceparent"]


def test_an_event_recorded_outside_a_span_has_the_envelope_of_the_release_before(session):
    Transaction(session, "ledger", "c-1").publish(ENTRY_RECORDED, {"entry_id": "e-1", "amount": 1})
    message = recorded_message(session)
    # no key at all: a consumer still on the release before refuses keys it does not know
    assert "traceparent" not in message
    assert Event.from_message(message).traceparent is None


def test_an_envelope_without_a_traceparent_or_with_a_broken_one_is_still_an_event(spans):
    tracer, exporter = spans
    old = Event(type="entry_recorded", payload={"entry_id": "e-1"}).to_message()
    assert Event.from_message(old).traceparent is None
    broken = Event.from_message({**old, "traceparent": "00-not-a-trace"})
    # tracing metadata is no reason to refuse an event: the handler's span begins a trace
    span = tracing.start_span(tracer, "process", kind=SpanKind.CONSUMER, parent=broken.traceparent)
    span.end()
    [finished] = exporter.get_finished_spans()
    assert finished.parent is None


def test_the_relay_publishes_each_event_in_a_span_under_the_work_that_recorded_it(spans):
    tracer, exporter = spans
    recorded = tracing.start_span(tracer, "applications/submit", kind=SpanKind.SERVER)
    cause = tracing.traceparent_of(recorded)
    events = [
        (1, "applications.events", "application_submitted", "id-1", cause),
        (2, "applications.events", "case_opened", "id-2", None),  # recorded by a timer
    ]
    with tracing.publishing(tracer, events) as traceparents:
        assert set(traceparents) == {1, 2}
    recorded.end()
    by_name = {span.name: span for span in exporter.get_finished_spans()}
    submitted = by_name["publish application_submitted"]
    assert submitted.kind == SpanKind.PRODUCER
    assert submitted.parent.span_id == recorded.get_span_context().span_id
    assert submitted.attributes["messaging.message.id"] == "id-1"
    # the header names the producer span, so the handlers are its children
    assert traceparents[1].split("-")[2] == format_span_id(submitted.context.span_id)
    assert by_name["publish case_opened"].parent is None


def test_a_failed_publish_fails_the_producer_spans(spans):
    tracer, exporter = spans
    with (
        pytest.raises(ConnectionError),
        tracing.publishing(tracer, [(1, "x.events", "done", "id-1", None)]),
    ):
        raise ConnectionError("the broker went away")
    [span] = exporter.get_finished_spans()
    assert not span.status.is_ok
    assert span.attributes["error.type"] == "ConnectionError"


def test_a_refusal_is_an_answer_and_a_crash_a_failure(spans):
    from services.common.errors import NotFound, ServiceUnavailable

    tracer, exporter = spans
    for error in (NotFound("no such case"), ServiceUnavailable("down"), RuntimeError("bug")):
        tracing.end_span(
            tracing.start_span(tracer, type(error).__name__, kind=SpanKind.SERVER), error
        )
    by_name = {span.name: span for span in exporter.get_finished_spans()}
    assert by_name["NotFound"].status.is_unset
    assert by_name["NotFound"].attributes["rathaus.refusal"] == "not_found"
    assert not by_name["ServiceUnavailable"].status.is_ok
    assert not by_name["RuntimeError"].status.is_ok


def test_a_line_logged_in_a_span_carries_its_trace_id_beside_the_correlation_id(spans):
    tracer, _ = spans
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("json", stream=stream)
    try:
        structlog.contextvars.bind_contextvars(correlation_id="c-42")
        with tracing.span_in(tracer, "work") as span:
            get_logger("test").info("inside")
        get_logger("test").info("outside")
    finally:
        structlog.contextvars.clear_contextvars()
        root.handlers[:] = handlers
        root.setLevel(level)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    context = span.get_span_context()
    assert inside["trace_id"] == format_trace_id(context.trace_id)
    assert inside["span_id"] == format_span_id(context.span_id)
    assert inside["correlation_id"] == outside["correlation_id"] == "c-42"
    assert "trace_id" not in outside


def test_tracing_is_off_unless_an_endpoint_is_configured():
    with config.patch({"TRACING": None}):
        assert tracing.tracer_for("applications") is None
    with config.patch({"TRACING": {"endpoint": ""}}):
        assert tracing.tracer_for("applications") is None
    # off, a block in a span is the block alone
    with tracing.span_in(None, "send email") as span:
        assert span is None


@pytest.mark.parametrize(
    ("endpoint", "url"),
    [
        ("http://collector:4318", "http://collector:4318/v1/traces"),
        ("http://collector:4318/", "http://collector:4318/v1/traces"),
        ("https://tempo.example/otlp/v1/traces", "https://tempo.example/otlp/v1/traces"),
    ],
)
def test_the_endpoint_is_the_receivers_base_url_as_in_otel_exporter_otlp_endpoint(endpoint, url):
    assert tracing.TracingSettings(endpoint=endpoint).traces_url == url
