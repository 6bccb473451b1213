"""Citizens apply and clerks work the cases through the gateway's HTTP routes, on the real
broker and database, with real documents."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tests.support.applications import parking_application, parking_form, upload
from tests.support.documents import Portal
from tests.support.notifications import REFUSED
from tests.support.waiting import wait_for

CASES = "/api/v1/applications/cases"
WORKLIST = "/api/v1/applications/worklist"


@pytest.fixture
def anna_documents(applications, portal_of):
    return upload(portal_of, "anna", b"registration"), upload(portal_of, "anna", b"residence")


@pytest.fixture
def anna(login):
    return login("citizen", "anna")


@pytest.fixture
def clara(login):
    return login("clerk", "clara", ("traffic",))  # parking permits' department


def submitted(web_session, headers, application) -> dict:
    answer = web_session.post(CASES, json=application, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_anyone_reads_the_application_types_in_their_language(applications, web_session):
    answer = web_session.get("/api/v1/applications/types", params={"language": "en"})

    assert answer.status_code == 200, answer.text
    types = {t["key"]: t for t in answer.json()["application_types"]}
    assert types["bewohnerparkausweis"]["name"] == "Resident parking permit"
    assert web_session.get("/api/v1/applications/types?language=fr").status_code == 400


def test_a_submission_answers_201_with_the_case_number(anna_documents, web_session, anna):
    case = submitted(web_session, anna, parking_application(*anna_documents))

    assert re.fullmatch(r"20\d\d-BPA-\d{6}", case["case_number"])
    assert case["status"] == "submitted"
    assert "notes" not in case and "assignee" not in case
    mine = web_session.get(f"{CASES}/mine", headers=anna).json()["cases"]
    assert [c["case_number"] for c in mine] == [case["case_number"]]


def test_the_same_idempotency_key_header_answers_the_same_case(anna_documents, web_session, anna):
    # the header wins over the body's key
    application = parking_application(*anna_documents, idempotency_key="from-the-body")
    keyed = {**anna, "Idempotency-Key": "portal-7f3a"}

    first = submitted(web_session, keyed, application)
    again = submitted(web_session, keyed, {**application, "idempotency_key": "another"})
    by_body = submitted(web_session, anna, {**application, "idempotency_key": "portal-7f3a"})
    other = submitted(web_session, anna, application)

    assert again["case_id"] == first["case_id"] == by_body["case_id"]
    assert other["case_id"] != first["case_id"]


def test_an_empty_idempotency_key_header_is_invalid_input(anna_documents, web_session, anna):
    answer = web_session.post(
        CASES,
        json=parking_application(*anna_documents),
        headers={**anna, "Idempotency-Key": ""},
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_input"
    assert "idempotency_key" in answer.json()["error"]["details"]


def test_a_form_with_failing_fields_is_refused_naming_each(anna_documents, web_session, anna):
    form = parking_form(plate="nonsense", zone="Z")
    del form["address"]["postcode"]
    application = {**parking_application(*anna_documents), "form": form}

    answer = web_session.post(CASES, json=application, headers=anna)

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid_form"
    assert set(error["details"]) == {"plate", "zone", "address"}
    assert error["details"]["address"] == {"postcode": ["Missing data for required field."]}


def test_a_missing_required_attachment_is_named(anna_documents, web_session, anna):
    application = parking_application(*anna_documents)
    application["attachments"] = application["attachments"][1:]

    answer = web_session.post(CASES, json=application, headers=anna)

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "attachments_missing"
    assert [m["purpose"] for m in error["details"]["missing"]] == ["vehicle_registration"]


def test_another_citizens_document_is_refused(anna_documents, portal_of, web_session, anna):
    bens = upload(portal_of, "ben", b"ben's registration")

    answer = web_session.post(
        CASES, json=parking_application(bens, anna_documents[1]), headers=anna
    )

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "document_not_yours"
    assert answer.json()["error"]["details"] == {"document_id": bens}


def test_a_clerk_pages_through_the_worklist(anna_documents, web_session, anna, clara):
    numbers = [
        submitted(web_session, anna, parking_application(*anna_documents, idempotency_key=f"k{n}"))[
            "case_number"
        ]
        for n in range(3)
    ]

    first = web_session.get(WORKLIST, params={"limit": 2}, headers=clara)
    assert first.status_code == 200, first.text
    cursor = first.json()["next_cursor"]
    second = web_session.get(WORKLIST, params={"limit": 2, "cursor": cursor}, headers=clara)

    pages = [first.json(), second.json()]
    assert [c["case_number"] for page in pages for c in page["cases"]] == numbers
    assert cursor is not None and second.json()["next_cursor"] is None
    refused = web_session.get(WORKLIST, params={"cursor": "not-ours"}, headers=clara)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_cursor"


def test_a_move_the_status_does_not_allow_is_409_with_the_allowed_ones(
    anna_documents, web_session, anna, clara
):
    case_id = submitted(web_session, anna, parking_application(*anna_documents))["case_id"]
    asked = web_session.post(
        f"{CASES}/{case_id}/information-requests",
        json={"text": "Bitte die Rückseite nachreichen."},
        headers=clara,
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["status"] == "information_requested"

    answer = web_session.post(
        f"{CASES}/{case_id}/decision",
        json={"decision": "approved", "reason": "ok"},
        headers=clara,
    )

    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "illegal_transition"
    assert error["details"]["allowed"] == ["in_review", "withdrawn"]


def test_a_citizen_does_not_see_another_citizens_case(anna_documents, web_session, anna, login):
    case_id = submitted(web_session, anna, parking_application(*anna_documents))["case_id"]

    answer = web_session.get(f"{CASES}/{case_id}", headers=login("citizen", "ben"))

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "case_not_found"
    assert web_session.get(f"{CASES}/{case_id}", headers=anna).status_code == 200


def test_a_citizen_cannot_use_the_worklist(applications, web_session, anna):
    answer = web_session.get(WORKLIST, headers=anna)

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"


def test_the_office_sees_notes_and_the_assignee_the_citizen_does_not(
    anna_documents, web_session, anna, clara
):
    case_id = submitted(web_session, anna, parking_application(*anna_documents))["case_id"]
    web_session.post(f"{CASES}/{case_id}/assignment", json={"assignee": "clara"}, headers=clara)
    note = web_session.post(f"{CASES}/{case_id}/notes", json={"text": "Halter"}, headers=clara)
    assert note.status_code == 201, note.text

    office = web_session.get(f"{CASES}/{case_id}", headers=clara).json()
    citizen = web_session.get(f"{CASES}/{case_id}", headers=anna).json()

    assert office["assignee"] == "clara"
    assert [n["text"] for n in office["notes"]] == ["Halter"]
    assert "notes" not in citizen and "assignee" not in citizen


def signed_in_clerk(web_session, subject: str, name: str | None = None) -> dict[str, str]:
    """Headers of a clerk signed in with dev-login, named as an identity provider would."""
    body = {
        "subject": subject,
        "role": "clerk",
        "departments": ["traffic"],  # the parking permits' department
        **({"name": name} if name else {}),
    }
    answer = web_session.post("/api/v1/auth/dev-login", json=body)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def decided(web_session, case_id: str, clerk: dict[str, str]) -> None:
    for step, body in (("review", None), ("decision", {"decision": "approved", "reason": "ok"})):
        answer = web_session.post(f"{CASES}/{case_id}/{step}", json=body, headers=clerk)
        assert answer.status_code == 200, answer.text


def decision_letter_text(web_session, case_id: str, clerk: dict[str, str]) -> str:
    """The words of the case's decision letter, as the PDF reads, on one line."""
    query = {"case_id": case_id, "document_type": "decision_letter"}
    letters = wait_for(
        lambda: web_session.get("/api/v1/documents", params=query, headers=clerk).json()[
            "documents"
        ]
    )
    content = Portal(web_session, clerk).download(letters[0]["document_id"]).content
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def test_the_decision_letter_is_signed_with_the_deciding_clerks_name(
    anna_documents, web_session, anna
):
    case_id = submitted(web_session, anna, parking_application(*anna_documents))["case_id"]
    clerk = signed_in_clerk(web_session, "sb-hundesteuer", "Petra Schulte")

    decided(web_session, case_id, clerk)

    text = decision_letter_text(web_session, case_id, clerk)
    assert "Im Auftrag Petra Schulte" in text
    assert "sb-hundesteuer" not in text


def test_a_decision_by_a_clerk_whose_sign_in_names_nobody_is_signed_by_the_office(
    anna_documents, web_session, anna
):
    case_id = submitted(web_session, anna, parking_application(*anna_documents))["case_id"]
    clerk = signed_in_clerk(web_session, "sb-hundesteuer")

    decided(web_session, case_id, clerk)

    text = decision_letter_text(web_session, case_id, clerk)
    assert "sb-hundesteuer" not in text and "Im Auftrag" not in text
    assert "Mit freundlichen Grüßen Stadt Soest" in text


def history_texts(web_session, case_id: str, headers, action: str) -> list[str]:
    history = web_session.get(f"{CASES}/{case_id}", headers=headers).json()["history"]
    return [entry["text"] for entry in history if entry["action"] == action]


def test_the_citizen_sees_one_entry_per_step_with_how_they_were_told_the_clerk_every_message(
    anna_documents,
    notifications,
    web_session,
    anna,
    clara,
):
    case_id = submitted(web_session, anna, parking_application(*anna_documents))["case_id"]
    reviewing = web_session.post(f"{CASES}/{case_id}/review", headers=clara)
    assert reviewing.status_code == 200, reviewing.text
    every_message = {
        f"{channel}: {event}"
        for channel in ("email", "inbox")
        for event in ("application_submitted", "application_status_changed")
    }
    wait_for(
        lambda: every_message <= set(history_texts(web_session, case_id, clara, "citizen_notified"))
    )

    citizen = web_session.get(f"{CASES}/{case_id}", headers=anna).json()["history"]
    office = web_session.get(f"{CASES}/{case_id}", headers=clara).json()["history"]

    assert [(e["action"], e["to_status"]) for e in citizen] == [
        ("submit", "submitted"),
        ("start_review", "in_review"),
    ]
    assert [e["notified_by"] for e in citizen] == [["email", "inbox"], ["email", "inbox"]]
    assert [e["notice_failed"] for e in citizen] == [False, False]
    assert all("actor" not in e for e in citizen)
    assert len(office) == 2 + len(every_message)
    assert {e["text"] for e in office if e["action"] == "citizen_notified"} == every_message
    assert all("notified_by" not in e and "actor" in e for e in office)


def test_a_message_that_could_not_be_delivered_is_flagged_on_its_step(
    anna_documents,
    notifications,
    web_session,
    anna,
    clara,
):
    application = parking_application(
        *anna_documents, contact={"name": "Anna Schmidt", "email": REFUSED}
    )
    case_id = submitted(web_session, anna, application)["case_id"]
    wait_for(lambda: history_texts(web_session, case_id, clara, "notification_failed"))
    wait_for(lambda: history_texts(web_session, case_id, clara, "citizen_notified"))

    [step] = web_session.get(f"{CASES}/{case_id}", headers=anna).json()["history"]

    assert (step["action"], step["notified_by"], step["notice_failed"]) == (
        "submit",
        ["inbox"],
        True,
    )
    assert history_texts(web_session, case_id, clara, "notification_failed") == [
        "email: application_submitted"
    ]


def allowed(web_session, case_id: str, headers) -> list[str]:
    answer = web_session.get(f"{CASES}/{case_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["allowed_actions"]


def test_each_caller_sees_only_the_actions_they_may_take(anna_documents, web_session, anna, clara):
    case_id = submitted(web_session, anna, parking_application(*anna_documents))["case_id"]
    assert allowed(web_session, case_id, anna) == ["withdraw"]
    assert allowed(web_session, case_id, clara) == [
        "start_review", "request_information", "approve", "reject",
    ]  # fmt: skip

    asked = web_session.post(
        f"{CASES}/{case_id}/information-requests", json={"text": "Rückseite?"}, headers=clara
    )
    assert asked.json()["allowed_actions"] == ["start_review"]
    assert allowed(web_session, case_id, anna) == ["answer", "withdraw"]

    answered = web_session.post(f"{CASES}/{case_id}/answer", json={"text": "Anbei."}, headers=anna)
    assert answered.json()["allowed_actions"] == ["withdraw"]
    assert allowed(web_session, case_id, clara) == ["request_information", "approve", "reject"]

    approved = web_session.post(
        f"{CASES}/{case_id}/decision", json={"decision": "approved", "reason": "ok"}, headers=clara
    )
    assert approved.json()["allowed_actions"] == ["complete"]
    assert allowed(web_session, case_id, anna) == []
