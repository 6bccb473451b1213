"""Tracing: one trace from a citizen's submission to the receipt in their mailbox.

The platform runs in this process with TRACING pointed at a local OTLP/HTTP receiver; the
test follows the receipt mail's span up to the gateway's request, through the RPC, the
outbox relay's publish and the notifications handler, and finds every span of the trace in
one tree under the portal's own traceparent.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from nameko import config

from services.applications.service import ApplicationsService
from services.common import tracing
from services.common.events import Event
from services.common.migrations import upgrade
from services.common.settings import database_url
from tests.support.applications import parking_application, upload
from tests.support.clients import cluster_client
from tests.support.otlp_receiver import OtlpReceiver, ReceivedSpan
from tests.support.pipeline import ENTRY_RECORDED, Base, Ledger, TallyService
from tests.support.publishing import publish_event
from tests.support.waiting import wait_for

API = "/api/v1"


@pytest.fixture
def receiver(platform_config) -> Iterator[OtlpReceiver]:
    """The receiver, and TRACING pointed at it for the services started after it."""
    receiver = OtlpReceiver().start()
    with config.patch({"TRACING": {"endpoint": receiver.url, "export_delay": 0.1}}):
        yield receiver
        tracing.flush()  # nothing left for a receiver that is gone
    receiver.stop()


@pytest.fixture
def applications(receiver, platform, container_factory, web_config_port):
    upgrade("applications", database_url("applications"))
    api_url = f"http://127.0.0.1:{web_config_port}"
    container = container_factory(ApplicationsService, {"APPLICATIONS": {"api_url": api_url}})
    container.start()
    return container


def ancestry(span: ReceivedSpan, spans: list[ReceivedSpan]) -> list[ReceivedSpan]:
    """The span and its ancestors in the trace, the root last."""
    by_id = {each.span_id: each for each in spans}
    line = [span]
    while line[-1].parent_id in by_id:
        line.append(by_id[line[-1].parent_id])
    return line


def test_a_submission_and_its_receipt_mail_are_one_trace(
    receiver, applications, notifications, mail_catcher, portal_of, web_session
):
    anna = portal_of("anna")
    registration = upload(portal_of, "anna", b"registration")
    residence = upload(portal_of, "anna", b"residence")
    # the portal's own span: the gateway continues its trace
    trace_id, portal_span = secrets.token_hex(16), secrets.token_hex(8)

    submitted = web_session.post(
        f"{API}/applications/cases",
        json=parking_application(registration, residence),
        headers={**anna.headers, "traceparent": f"00-{trace_id}-{portal_span}-01"},
    )
    assert submitted.status_code == 201, submitted.text
    number = submitted.json()["case_number"]
    [receipt] = wait_for(lambda: mail_catcher.to("anna@example.org"), timeout=10)
    assert receipt["Subject"] == f"Ihr Antrag {number} ist eingegangen"

    def receipt_span() -> list[ReceivedSpan]:
        return [
            span
            for span in receiver.in_trace(trace_id)
            if span.name == "send email"
            and span.attributes["rathaus.event.type"] == "applications.application_submitted"
        ]

    [mail_span] = wait_for(receipt_span, timeout=10)
    assert receiver.paths == {"/v1/traces"}
    assert mail_span.attributes["rathaus.delivery.outcome"] == "delivered"

    # from the mail up to the portal's request, each span the child of the one before (the
    # services export their spans each on its own: a parent may come after its child)
    def whole_line() -> list[ReceivedSpan]:
        line = ancestry(mail_span, receiver.in_trace(trace_id))
        return line if line[-1].parent_id == portal_span else []

    line = wait_for(whole_line, timeout=10)
    assert [(span.service, span.kind, span.name) for span in reversed(line)] == [
        ("gateway", "server", "POST /api/v1/applications/cases"),
        ("gateway", "internal", "gateway.submit_application"),
        ("gateway", "client", "applications/submit"),
        ("applications", "server", "applications/submit"),
        ("applications", "producer", "publish application_submitted"),
        ("notifications", "consumer", "process applications.application_submitted"),
        ("notifications", "client", "send email"),
    ]
    assert not [span for span in line if span.failed]
    root = line[-1]
    assert root.parent_id == portal_span

    def one_tree() -> list[ReceivedSpan]:
        """The trace once every span in it hangs from the gateway's request (the services
        export their spans each on its own, so a child may arrive before its parent), with
        the other handlers of the submission in it too (documents files the receipt)."""
        spans = receiver.in_trace(trace_id)
        consumers = {span.service for span in spans if span.kind == "consumer"}
        in_one_tree = all(ancestry(span, spans)[-1] == root for span in spans)
        return spans if in_one_tree and {"notifications", "documents"} <= consumers else []

    assert wait_for(one_tree, timeout=10)
    assert root.attributes["http.route"] == "/api/v1/applications/cases"
    assert root.attributes["http.response.status_code"] == 201


def test_an_event_recorded_before_tracing_is_handled_and_traced_from_there(
    receiver, create_tables, runner_factory
):
    create_tables("ledger", Base.metadata)
    create_tables("tally", Base.metadata)
    runner_factory(Ledger, TallyService).start()
    # an envelope of the release before: no traceparent in it, none in the headers
    old = Event(type=ENTRY_RECORDED.type, payload={"entry_id": "old-1", "amount": 2})
    assert "traceparent" not in old.to_message()
    publish_event(ENTRY_RECORDED.source, old)
    # one whose publisher's relay does not trace: the envelope's traceparent, no header
    trace_id, cause = secrets.token_hex(16), secrets.token_hex(8)
    relayed = Event(
        type=ENTRY_RECORDED.type,
        payload={"entry_id": "relayed-1", "amount": 1},
        traceparent=f"00-{trace_id}-{cause}-01",
    )
    publish_event(ENTRY_RECORDED.source, relayed)

    with cluster_client() as cluster:
        assert wait_for(lambda: cluster.tally.counts() == {"old-1": 1, "relayed-1": 1})
        # an RPC starts a trace that the event it records carries on to both handlers
        cluster.ledger.record("new-1", 3)
        assert wait_for(lambda: cluster.tally.counts().get("new-1") == 1)

    def handled(event_id: str) -> list[ReceivedSpan]:
        return [
            span
            for span in receiver.spans
            if span.kind == "consumer" and span.attributes.get("messaging.message.id") == event_id
        ]

    old_spans = wait_for(
        lambda: len(handled(str(old.event_id))) == 2 and handled(str(old.event_id))
    )
    # a trace of its own for each handler run
    assert {span.parent_id for span in old_spans} == {""}
    continued = wait_for(
        lambda: len(handled(str(relayed.event_id))) == 2 and handled(str(relayed.event_id))
    )
    assert {(span.trace_id, span.parent_id) for span in continued} == {(trace_id, cause)}
    [producer] = wait_for(
        lambda: [s for s in receiver.spans if s.name == f"publish {ENTRY_RECORDED.type}"]
    )
    new_spans = receiver.in_trace(producer.trace_id)
    [server] = [s for s in new_spans if s.kind == "server"]
    assert producer.parent_id == server.span_id
    consumers = wait_for(
        lambda: [s for s in receiver.in_trace(producer.trace_id) if s.kind == "consumer"]
    )
    assert {s.parent_id for s in consumers} == {producer.span_id}
