"""Citizens apply and clerks work the cases through the gateway's HTTP routes, on the real
broker and database, with real documents."""

from __future__ import annotations

import re

import pytest

from tests.applications.conftest import parking_application, parking_form, upload

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
    return login("clerk", "clara")


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
    assert refused.json()["error"]["code"] == "invalid_input"


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
