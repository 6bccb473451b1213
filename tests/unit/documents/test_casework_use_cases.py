"""The applications' and feedback's events, acted on through the use cases alone: the
applicant's attachments filed and the receipt issued, the decision letter issued, a
report's photos filed; each once, however often the event comes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.applications.events import APPLICATION_DECIDED, APPLICATION_SUBMITTED
from services.common.context import Caller
from services.common.database import EventAlreadyHandled
from services.common.events import Event
from services.common.loading import load
from services.documents.schemas import AuditFilters
from services.documents.use_cases import casework, documents
from services.feedback.events import REPORT_SUBMITTED
from tests.unit.documents.world import ALEX, ANNA, BERT, CARLA, World, pdf, world

CASE_ID = "6a0d3c5e-4c9b-4df1-9d57-2f3a7d1c0b11"
REPORT_ID = "0b7e1f43-98a2-4f57-8a41-5d1c2e3f4a5b"


@pytest.fixture
def w(fake_uow, tmp_path) -> World:
    return world(fake_uow, tmp_path, handler="on_application_submitted")


def submitted(attachments: list[dict[str, Any]], **changes: Any) -> Event:
    facts = {
        "case_id": CASE_ID,
        "case_number": "2026-BPA-000123",
        "application_type": "bewohnerparkausweis",
        "department": "traffic",
        "type_name": "Bewohnerparkausweis",
        "citizen": "anna",
        "email": "anna@example.org",
        "language": "de",
        "processing_days": 10,
        "submitted_at": "2026-11-25T13:05:00+00:00",
        "recipient_name": "Anna Müller",
        "fee_cents": 3050,
        "attachments": attachments,
        **changes,
    }
    return Event(type="application_submitted", payload=APPLICATION_SUBMITTED.validate(facts))


def decided(**changes: Any) -> dict[str, Any]:
    return {
        "case_id": CASE_ID,
        "case_number": "2026-BPA-000123",
        "application_type": "bewohnerparkausweis",
        "department": "traffic",
        "type_name": "Bewohnerparkausweis",
        "citizen": "anna",
        "email": "anna@example.org",
        "language": "de",
        "decision": "approved",
        "reason": "Alle Voraussetzungen sind erfüllt.",
        "decided_at": "2026-12-01T09:30:00+00:00",
        "recipient_name": "Anna Müller",
        "clerk": "clerk-carla",
        "clerk_name": "Carla Berg",
        **changes,
    }


def reported(photos: list[str], author: str = "anna") -> Event:
    facts = {
        "item_id": REPORT_ID,
        "kind": "report",
        "category": "pothole",
        "department": "roads",
        "title": "Schlagloch vor der Schule",
        "status": "submitted",
        "submitted_at": "2026-12-01T08:00:00+00:00",
        "public_latitude": 51.57,
        "public_longitude": 8.1,
        "recipients": [{"citizen": author, "email": None, "language": "de"}],
        "author": author,
        "photos": photos,
    }
    return Event(type="report_submitted", payload=REPORT_SUBMITTED.validate(facts))


def attachment(document: dict[str, Any], title: str = "Meldebescheinigung") -> dict[str, Any]:
    return {"document_id": document["document_id"], "purpose": "proof", "title": title}


def handle_submitted(w: World, event: Event) -> None:
    command = casework.ApplicationSubmitted(event)
    casework.application_submitted(command, w.uow, w.clock, w.vault)


def handle_decided(w: World, event: Event) -> None:
    casework.application_decided(casework.ApplicationDecided(event), w.uow, w.clock, w.vault)


def handle_report(w: World, event: Event) -> None:
    casework.report_submitted(casework.ReportSubmitted(event), w.uow, w.clock)


def seen(w: World, document_id: str) -> dict[str, Any]:
    return documents.get_document(documents.DocumentOf(ALEX, document_id), w.uow, w.clock)


def refusals(w: World) -> list[tuple[str, str]]:
    command = documents.AuditQuery(load(AuditFilters, {"action": "file_refused"}))
    entries = documents.audit_trail(command, w.uow)["entries"]
    return [(e["document_id"], e["details"]["refusal"]) for e in entries]


def test_a_submitted_applications_attachments_are_filed_into_its_case_as_final(w):
    proof = w.store(ANNA, pdf(1000, b"proof"))

    handle_submitted(w, submitted([attachment(proof)]))

    filed = seen(w, proof["document_id"])
    assert filed["status"] == "final" and filed["case_id"] == CASE_ID
    read = documents.get_document(documents.DocumentOf(CARLA, proof["document_id"]), w.uow, w.clock)
    assert read["document_id"] == proof["document_id"]


def test_a_submitted_application_gets_its_receipt_for_the_applicant(w):
    handle_submitted(w, submitted([]))

    [receipt] = w.uow.payloads_of("document_generated")
    assert receipt["kind"] == "receipt" and receipt["language"] == "de"
    assert receipt["owner"] == "anna" and receipt["case_id"] == CASE_ID
    assert receipt["document_type"] == "receipt" and receipt["media_type"] == "application/pdf"


def test_another_citizens_attachment_is_left_where_it_is_and_recorded(w):
    berts = w.store(BERT, pdf(1000, b"berts"))
    annas = w.store(ANNA, pdf(1000, b"annas"))

    handle_submitted(w, submitted([attachment(berts), attachment(annas)]))

    assert seen(w, berts["document_id"])["case_id"] is None
    assert seen(w, annas["document_id"])["case_id"] == CASE_ID
    assert refusals(w) == [(berts["document_id"], "not_owned")]
    assert w.uow.published_types()[-1] == "document_generated"


def test_an_attachment_that_does_not_exist_is_recorded_and_the_rest_goes_through(w):
    missing = {"document_id": str(uuid.uuid4()), "purpose": "proof", "title": "Weg"}

    handle_submitted(w, submitted([missing]))

    assert refusals(w) == [(missing["document_id"], "unknown")]
    assert len(w.uow.payloads_of("document_generated")) == 1


def test_an_attachment_filed_in_another_case_stays_there(w):
    proof = w.store(ANNA, pdf(1000, b"elsewhere"))
    handle_report(w, reported([proof["document_id"]]))

    handle_submitted(w, submitted([attachment(proof)]))

    assert seen(w, proof["document_id"])["case_id"] == REPORT_ID
    assert refusals(w) == [(proof["document_id"], "other_case")]


def test_a_submission_delivered_twice_files_once_and_makes_one_receipt(w):
    proof = w.store(ANNA, pdf(1000, b"twice"))
    event = submitted([attachment(proof)])
    handle_submitted(w, event)

    with pytest.raises(EventAlreadyHandled):
        handle_submitted(w, event)

    assert len(w.uow.payloads_of("document_generated")) == 1
    assert w.stored("staging") == []


def test_a_decision_is_issued_as_a_letter_filed_into_the_case(w):
    event = Event(type="application_decided", payload=APPLICATION_DECIDED.validate(decided()))

    handle_decided(w, event)

    [letter] = w.uow.payloads_of("document_generated")
    assert letter["kind"] == "decision" and letter["document_type"] == "decision_letter"
    assert letter["owner"] == "anna" and letter["case_id"] == CASE_ID
    assert seen(w, str(letter["document_id"]))["status"] == "final"


def test_a_decision_delivered_twice_makes_one_letter(w):
    event = Event(type="application_decided", payload=APPLICATION_DECIDED.validate(decided()))
    handle_decided(w, event)

    with pytest.raises(EventAlreadyHandled):
        handle_decided(w, event)

    assert len(w.uow.payloads_of("document_generated")) == 1


def test_a_reports_photos_are_filed_under_the_report_for_its_department(w):
    photo = w.store(ANNA, pdf(1000, b"pothole"))

    handle_report(w, reported([photo["document_id"]]))

    filed = seen(w, photo["document_id"])
    assert filed["case_id"] == REPORT_ID and filed["status"] == "final"
    roads = Caller(subject="clerk-rolf", role="clerk", departments=("roads",))
    command = documents.DocumentOf(roads, photo["document_id"])
    assert documents.get_document(command, w.uow, w.clock)["case_id"] == REPORT_ID


def test_a_photo_not_the_authors_is_not_filed_under_their_report(w):
    berts = w.store(BERT, pdf(1000, b"berts photo"))

    handle_report(w, reported([berts["document_id"]]))

    assert seen(w, berts["document_id"])["case_id"] is None
    assert refusals(w) == [(berts["document_id"], "not_owned")]
    assert w.uow.published_types() == ["document_stored"]  # the upload's, nothing more


def test_a_report_delivered_twice_is_recognised(w):
    event = reported([])
    handle_report(w, event)

    with pytest.raises(EventAlreadyHandled):
        handle_report(w, event)
