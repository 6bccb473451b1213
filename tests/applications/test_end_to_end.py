"""The platform's main job, end to end over HTTP, with a real SMTP server on loopback: a
citizen applies for a resident parking permit with two attachments; the receipt is mailed
and filed, the clerks' stream shows the case; the clerk asks for more, the citizen answers
with a document; the clerk approves; the decision letter is stored and the citizen told."""

from __future__ import annotations

import io
import json
import time

import eventlet
from pypdf import PdfReader

from tests.support.applications import parking_application, upload
from tests.support.waiting import wait_for

API = "/api/v1"


def pdf_text(portal, document_id: str) -> str:
    answer = portal.download(document_id)
    assert answer.status_code == 200, answer.text
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)


def case_documents(session, clerk_headers, case_id: str) -> dict[str, list[dict]]:
    listed = session.get(f"{API}/documents", params={"case_id": case_id}, headers=clerk_headers)
    assert listed.status_code == 200, listed.text
    by_type: dict[str, list[dict]] = {}
    for document in listed.json()["documents"]:
        by_type.setdefault(document["document_type"], []).append(document)
    return by_type


def test_from_the_sofa_to_the_decision_without_paper(
    applications,
    notifications,
    mail_catcher,
    portal_of,
    web_session,
    login,
):
    anna = portal_of("anna")
    clerk = login("clerk", "clara", ("traffic",))  # the parking permits' department
    clara = portal_of("clara", "clerk", ("traffic",))
    registration = upload(portal_of, "anna", b"registration")
    residence = upload(portal_of, "anna", b"residence")
    stream = web_session.get(f"{API}/notifications/stream", headers=clerk, stream=True, timeout=10)
    lines: list[str] = []
    reader = eventlet.spawn(
        lambda: lines.extend(stream.iter_lines(chunk_size=None, decode_unicode=True))
    )
    try:
        wait_for(lambda: any(line.startswith("retry:") for line in lines), timeout=5)

        sent = time.monotonic()
        submitted = web_session.post(
            f"{API}/applications/cases",
            json=parking_application(registration, residence),
            headers={**anna.headers, "Idempotency-Key": "parking-2026-anna"},
        )
        assert submitted.status_code == 201, submitted.text
        case = submitted.json()
        number = case["case_number"]

        # within seconds: the receipt mail with the case number
        [receipt_mail] = wait_for(lambda: mail_catcher.to("anna@example.org"), timeout=10)
        assert time.monotonic() - sent < 5
        assert receipt_mail["Subject"] == f"Ihr Antrag {number} ist eingegangen"
        assert number in receipt_mail.get_body(("plain",)).get_content()
        # the clerks' stream shows the case
        data = wait_for(lambda: [line for line in lines if line.startswith("data: ")], timeout=10)
        item = json.loads(data[0].removeprefix("data: "))
        assert item["facts"]["case_number"] == number
        assert "email" not in item["facts"] and "citizen" not in item["facts"]
    finally:
        reader.kill()
        stream.close()

    # the receipt PDF is in the case file, with the attachments, all final
    filed = wait_for(
        lambda: "receipt" in (docs := case_documents(web_session, clerk, case["case_id"])) and docs
    )
    assert {d["document_id"] for d in filed["attachment"]} == {registration, residence}
    assert all(d["status"] == "final" for d in filed["attachment"])
    receipt_text = pdf_text(clara, filed["receipt"][0]["document_id"])
    assert number in receipt_text and "Anna Schmidt" in receipt_text

    # the clerk asks for more; the citizen is told and answers with a document
    asked = web_session.post(
        f"{API}/applications/cases/{case['case_id']}/information-requests",
        json={"text": "Bitte reichen Sie die Rückseite der Zulassung nach."},
        headers=clerk,
    )
    assert asked.status_code == 200, asked.text
    told = wait_for(
        lambda: (
            len(mail_catcher.to("anna@example.org")) >= 2 and mail_catcher.to("anna@example.org")
        ),
        timeout=10,
    )
    assert "brauchen wir noch" in told[1].get_body(("plain",)).get_content()
    back = upload(portal_of, "anna", b"back side")
    answered = web_session.post(
        f"{API}/applications/cases/{case['case_id']}/answer",
        json={
            "text": "Anbei die Rückseite.",
            "attachments": [{"document_id": back, "purpose": "other"}],
        },
        headers=anna.headers,
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "in_review"

    # the clerk approves: the decision letter is stored, the citizen told
    decided = web_session.post(
        f"{API}/applications/cases/{case['case_id']}/decision",
        json={"decision": "approved", "reason": "Alle Voraussetzungen liegen vor."},
        headers=clerk,
    )
    assert decided.status_code == 200, decided.text
    letters = wait_for(
        lambda: case_documents(web_session, clerk, case["case_id"]).get("decision_letter")
    )
    letter_text = pdf_text(clara, letters[0]["document_id"])
    assert number in letter_text and "Alle Voraussetzungen liegen vor." in letter_text
    decision_mail = f"Ihr Antrag {number} ist entschieden"

    def subjects() -> list[str]:
        return [mail["Subject"] for mail in mail_catcher.to("anna@example.org")]

    wait_for(lambda: decision_mail in subjects(), timeout=10)
    # the receipt, the request, the review after the answer, the decision: once each
    assert subjects() == [
        f"Ihr Antrag {number} ist eingegangen",
        f"Ihr Antrag {number}: Wir brauchen noch etwas von Ihnen",
        f"Ihr Antrag {number}: Wir prüfen Ihren Antrag.",
        decision_mail,
    ]

    # the clerk sees in the case's history how the citizen was told
    def told() -> list[str]:
        answer = web_session.get(f"{API}/applications/cases/{case['case_id']}", headers=clerk)
        history = answer.json()["history"]
        return [e["text"] for e in history if e["action"] == "citizen_notified"]

    wait_for(lambda: "email: application_decided" in told(), timeout=10)
    assert "email: application_submitted" in told() and "inbox: application_submitted" in told()
    # the citizen reads their letter too
    assert "Alle Voraussetzungen" in pdf_text(anna, letters[0]["document_id"])
