"""The documents' side of an application's case, driven by the applications service's events:
the applicant's attachments filed into the case, the receipt and the decision letter issued."""

from __future__ import annotations

import io
import uuid
from typing import Any

import structlog
from pypdf import PdfReader

from services.documents.casework import refusal_of
from services.documents.models import DocumentRow
from tests.notifications.test_office import submitted as application_submitted
from tests.support.documents import pdf, stored_files
from tests.support.publishing import publish, publish_event
from tests.support.waiting import wait_for

TRAFFIC = ("traffic",)  # the department of the parking permits (2026-BPA-...)


def submitted(case_id: str, attachments: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    return application_submitted(
        case_id=case_id,
        attachments=attachments,
        submitted_at="2026-11-25T13:05:00+00:00",
        recipient_name="Anna Müller",
        **changes,
    )


def decided(case_id: str, **changes: Any) -> dict[str, Any]:
    facts = {
        "case_id": case_id,
        "case_number": "2026-BPA-000123",
        "application_type": "bewohnerparkausweis",
        "department": "traffic",
        "type_name": "Bewohnerparkausweis",
        "citizen": "anna",
        "email": "anna@example.org",
        "language": "de",
        "decision": "rejected",
        "reason": "Das Fahrzeug ist nicht in der Zone gemeldet.",
        "decided_at": "2026-12-01T09:30:00+00:00",
        "recipient_name": "Anna Müller",
        "clerk": "clerk-claudia",
        "clerk_name": "Claudia Berg",
    }
    return {**facts, **changes}


def uploaded(portal, title: str) -> dict[str, Any]:
    """A citizen's document, uploaded as a draft; its attachment entry for the event."""
    completed = portal.upload(pdf(4096, title.encode()), title=title)
    assert completed.status_code == 201, completed.text
    return {"document_id": completed.json()["document_id"], "purpose": "proof", "title": title}


def text_of(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def letters_of(portal, kind: str | None, case_id: str) -> list[dict[str, Any]]:
    """The case's documents of the kind (None: all) the portal's caller may list."""
    listed = portal.session.get(
        "/api/v1/documents",
        params={"case_id": case_id, **({"document_type": kind} if kind else {})},
        headers=portal.headers,
    )
    assert listed.status_code == 200, listed.text
    return listed.json()["documents"]


def duplicate_acknowledged(logs: list[dict[str, Any]], handler: str) -> bool:
    return any(
        line["event"] == "event_duplicate_ignored" and line["queue"].endswith(handler)
        for line in logs
    )


def test_a_submission_files_the_attachments_as_final_and_issues_the_receipt(portal_of, events):
    anna, clerk = portal_of("anna"), portal_of("clerk-claudia", "clerk", TRAFFIC)
    attachments = [uploaded(anna, "Meldebescheinigung"), uploaded(anna, "Fahrzeugschein")]
    case_id = str(uuid.uuid4())

    publish("applications", "application_submitted", submitted(case_id, attachments))

    generated = events.wait_for_one("document_generated", case_id=case_id, kind="receipt")
    for attachment in attachments:
        filed = clerk.get(attachment["document_id"])
        assert filed.status_code == 200, filed.text
        assert filed.json()["status"] == "final" and filed.json()["case_id"] == case_id
    receipt = anna.get(generated["payload"]["document_id"]).json()
    assert receipt["owner"] == "anna" and receipt["document_type"] == "receipt"
    assert receipt["case_id"] == case_id and receipt["status"] == "final"
    assert receipt["title"] == "Eingangsbestätigung 2026-BPA-000123"
    text = text_of(anna.download(receipt["document_id"]).content)
    assert "Aktenzeichen: 2026-BPA-000123" in text
    assert "Guten Tag Anna Müller," in text
    assert "am 25.11.2026, 14:05 Uhr bei uns eingegangen" in text
    assert "- Meldebescheinigung - Fahrzeugschein" in text
    assert "Gebühr von 30,60 EUR" in text  # the core PDF fonts print the euro sign as EUR
    assert "innerhalb von 10 Arbeitstagen" in text
    assert clerk.download(receipt["document_id"]).status_code == 200


def test_an_english_receipt_formats_time_and_fee_the_english_way(portal_of, events):
    anna = portal_of("anna")
    attachments = [uploaded(anna, "Registration certificate")]
    case_id = str(uuid.uuid4())

    publish("applications", "application_submitted", submitted(case_id, attachments, language="en"))

    generated = events.wait_for_one("document_generated", case_id=case_id, kind="receipt")
    assert generated["payload"]["language"] == "en"
    text = text_of(anna.download(generated["payload"]["document_id"]).content)
    assert "Dear Anna Müller," in text
    assert "We received it on 25 November 2026, 14:05" in text
    assert "- Registration certificate" in text
    assert "A fee of EUR 30.60" in text


def test_a_redelivered_submission_makes_no_second_receipt(portal_of, events, store_path):
    anna = portal_of("anna")
    case_id = str(uuid.uuid4())
    first = publish(
        "applications",
        "application_submitted",
        submitted(case_id, [uploaded(anna, "Meldebescheinigung")]),
    )
    events.wait_for_one("document_generated", case_id=case_id, kind="receipt")

    with structlog.testing.capture_logs() as logs:
        publish_event("applications", first)
        wait_for(lambda: duplicate_acknowledged(logs, "on_application_submitted"))

    assert len(letters_of(anna, "receipt", case_id)) == 1
    assert len(events.of_type("document_generated")) == 1
    # the copy the duplicate sealed before it found the event handled is gone
    assert stored_files(store_path, "staging") == []


def test_only_the_clerks_of_the_case_s_department_read_its_attachments_and_letters(
    portal_of, events
):
    anna = portal_of("anna")
    claudia = portal_of("clerk-claudia", "clerk", TRAFFIC)
    theo = portal_of("clerk-theo", "clerk", ("taxes",))
    attachment = uploaded(anna, "Fahrzeugschein")
    case_id = str(uuid.uuid4())

    publish("applications", "application_submitted", submitted(case_id, [attachment]))
    publish("applications", "application_decided", decided(case_id))

    events.wait_for_one("document_generated", case_id=case_id, kind="decision")
    filed = [d["document_id"] for d in letters_of(claudia, None, case_id)]
    assert len(filed) == 3 and attachment["document_id"] in filed  # and receipt, decision
    assert letters_of(theo, None, case_id) == []
    for document_id in filed:
        assert claudia.get(document_id).status_code == 200
        assert theo.get(document_id).status_code == 403


def test_a_document_of_another_citizen_listed_in_a_submission_is_not_filed(portal_of, events):
    anna, bernd = portal_of("anna"), portal_of("bernd")
    clerk, admin = portal_of("clerk-claudia", "clerk", TRAFFIC), portal_of("admin-ada", "admin")
    own = uploaded(anna, "Meldebescheinigung")
    foreign = uploaded(bernd, "Bernds Fahrzeugschein")
    unknown = {"document_id": str(uuid.uuid4()), "purpose": "proof", "title": "Erfunden"}
    case_id = str(uuid.uuid4())

    publish("applications", "application_submitted", submitted(case_id, [own, foreign, unknown]))

    generated = events.wait_for_one("document_generated", case_id=case_id, kind="receipt")
    assert clerk.get(own["document_id"]).json()["case_id"] == case_id
    assert clerk.get(foreign["document_id"]).status_code == 403
    left = bernd.get(foreign["document_id"]).json()
    assert left["status"] == "draft" and left["case_id"] is None
    text = text_of(anna.download(generated["payload"]["document_id"]).content)
    assert "- Meldebescheinigung" in text
    assert "Bernd" not in text and "Erfunden" not in text
    trail = admin.session.get(
        "/api/v1/documents/audit", params={"action": "file_refused"}, headers=admin.headers
    ).json()["entries"]
    refusals = {entry["document_id"]: entry for entry in trail}
    assert set(refusals) == {foreign["document_id"], unknown["document_id"]}
    assert refusals[foreign["document_id"]]["details"]["refusal"] == "not_owned"
    assert refusals[foreign["document_id"]]["actor"] == "applications"
    assert refusals[unknown["document_id"]]["details"]["refusal"] == "unknown"


def test_a_decision_issues_the_decision_letter_with_its_reasons_once(portal_of, events):
    anna, clerk = portal_of("anna"), portal_of("clerk-claudia", "clerk", TRAFFIC)
    case_id = str(uuid.uuid4())

    decision = publish("applications", "application_decided", decided(case_id))

    generated = events.wait_for_one("document_generated", case_id=case_id, kind="decision")
    letter = anna.get(generated["payload"]["document_id"]).json()
    assert letter["owner"] == "anna" and letter["document_type"] == "decision_letter"
    assert letter["title"] == "Bescheid 2026-BPA-000123"
    text = text_of(anna.download(letter["document_id"]).content)
    assert 'Antrag "Bewohnerparkausweis" (Aktenzeichen 2026-BPA-000123) wird abgelehnt' in text
    assert "Begründung: Das Fahrzeug ist nicht in der Zone gemeldet." in text
    assert "Soest, 01.12.2026" in text
    assert "Im Auftrag Claudia Berg" in text and "clerk-claudia" not in text
    assert clerk.get(letter["document_id"]).status_code == 200

    with structlog.testing.capture_logs() as logs:
        publish_event("applications", decision)
        wait_for(lambda: duplicate_acknowledged(logs, "on_application_decided"))

    assert len(letters_of(anna, "decision_letter", case_id)) == 1


def test_a_decision_recorded_before_clerks_had_names_is_signed_by_the_office(portal_of, events):
    anna = portal_of("anna")
    case_id = str(uuid.uuid4())
    earlier = decided(case_id)
    del earlier["clerk_name"]

    publish("applications", "application_decided", earlier)

    generated = events.wait_for_one("document_generated", case_id=case_id, kind="decision")
    text = text_of(anna.download(generated["payload"]["document_id"]).content)
    assert "clerk-claudia" not in text and "Im Auftrag" not in text


def test_only_the_applicants_living_documents_not_filed_elsewhere_may_be_filed():
    def document(**changes: Any) -> DocumentRow:
        return DocumentRow(**{"owner": "anna", "status": "draft", "case_id": None, **changes})

    assert refusal_of(document(), "anna", "case-1") is None
    assert refusal_of(document(status="final", case_id="case-1"), "anna", "case-1") is None
    assert refusal_of(None, "anna", "case-1") == "unknown"
    assert refusal_of(document(owner="bernd"), "anna", "case-1") == "not_owned"
    assert refusal_of(document(owner=None), None, "case-1") == "not_owned"
    assert refusal_of(document(status="erased"), "anna", "case-1") == "erased"
    assert refusal_of(document(case_id="case-2"), "anna", "case-1") == "other_case"
