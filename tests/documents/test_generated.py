"""Letters the office generates are stored as documents and read back as the PDF they are."""

from __future__ import annotations

import io

from pypdf import PdfReader

TRAFFIC = ("traffic",)  # the department of the parking permits (2026-BPA-...)


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


RECEIPT = {
    "kind": "receipt",
    "language": "de",
    "owner": "anna",
    "case_id": "2026-BPA-000123",
    "values": {
        "case_number": "2026-BPA-000123",
        "application_title": "Bewohnerparkausweis",
        "submitted_at": "2026-11-25T13:05:00+00:00",
        "recipient_name": "Anna Müller",
        "fee": "30.00",
        "processing_days": 10,
    },
}


def test_a_receipt_is_rendered_stored_and_readable_by_its_citizen(portal_of, events):
    clerk = portal_of("clerk-claudia", "clerk", TRAFFIC)

    generated = clerk.session.post("/api/v1/documents/letters", json=RECEIPT, headers=clerk.headers)

    assert generated.status_code == 201, generated.text
    letter = generated.json()
    assert letter["document_type"] == "receipt" and letter["status"] == "final"
    text = _text(portal_of("anna").download(letter["document_id"]).content)
    assert "2026-BPA-000123" in text
    assert "Bewohnerparkausweis" in text
    assert "Stadt Soest" in text and "Am Vreithof 8" in text
    assert "25.11.2026" in text
    announced = events.wait_for_one("document_generated", document_id=letter["document_id"])
    assert announced["payload"]["kind"] == "receipt" and announced["payload"]["owner"] == "anna"


def test_a_decision_letter_in_english_says_what_was_decided_and_why(portal_of):
    clerk = portal_of("clerk-claudia", "clerk", TRAFFIC)
    decision = {
        "kind": "decision",
        "language": "en",
        "owner": "anna",
        "case_id": "2026-BPA-000124",
        "values": {
            "case_number": "2026-BPA-000124",
            "application_title": "Resident parking permit",
            "decision": "rejected",
            "reason": "The vehicle is not registered at an address in the zone.",
            "decided_at": "2026-11-25T15:00:00+00:00",
            "recipient_name": "Anna Müller",
        },
    }

    letter = clerk.session.post("/api/v1/documents/letters", json=decision, headers=clerk.headers)

    text = _text(clerk.download(letter.json()["document_id"]).content)
    assert "rejected" in text.lower()
    assert "not registered at an address in the zone" in text


def test_a_letter_missing_values_is_refused_naming_them(portal_of):
    clerk = portal_of("clerk-claudia", "clerk", TRAFFIC)
    incomplete = {**RECEIPT, "values": {"case_number": "2026-BPA-000125"}}

    refused = clerk.session.post(
        "/api/v1/documents/letters", json=incomplete, headers=clerk.headers
    )

    assert refused.status_code == 400
    missing = refused.json()["error"]["details"]["values"]
    assert {"application_title", "submitted_at", "recipient_name"} <= set(missing)


def test_citizens_do_not_generate_letters(portal_of):
    anna = portal_of("anna")

    refused = anna.session.post("/api/v1/documents/letters", json=RECEIPT, headers=anna.headers)

    assert refused.status_code == 403


def test_a_citizen_reading_a_letter_is_not_shown_the_clerks_account(portal_of):
    clerk = portal_of("clerk-claudia", "clerk", TRAFFIC)
    anna = portal_of("anna")
    generated = clerk.session.post("/api/v1/documents/letters", json=RECEIPT, headers=clerk.headers)
    document_id = generated.json()["document_id"]
    path = f"/api/v1/documents/{document_id}"

    as_anna = anna.session.get(path, headers=anna.headers).json()
    listed = anna.session.get("/api/v1/documents", headers=anna.headers).json()["documents"]
    as_clerk = clerk.session.get(path, headers=clerk.headers).json()

    assert as_anna["author"] is None
    assert [version["author"] for version in as_anna["versions"]] == [None]
    assert [document["author"] for document in listed] == [None]
    assert "clerk-claudia" not in str(as_anna) + str(listed)
    assert as_clerk["author"] == "clerk-claudia"
