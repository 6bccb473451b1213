"""A portal that lost the answer sends a submission, a draft or a clerk's note again with the
same Idempotency-Key: it gets the first answer, and nothing is made twice."""

from __future__ import annotations

import pytest

from tests.applications.test_http import CASES, submitted
from tests.support.applications import parking_application, upload

DRAFTS = "/api/v1/applications/drafts"


@pytest.fixture
def anna_documents(applications, portal_of):
    return upload(portal_of, "anna", b"registration"), upload(portal_of, "anna", b"residence")


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def my_cases(web_session, headers) -> list[str]:
    listed = web_session.get(f"{CASES}/mine", headers=headers)
    assert listed.status_code == 200, listed.text
    return [case["case_id"] for case in listed.json()["cases"]]


def test_the_same_key_with_another_application_is_refused_and_submits_nothing(
    anna_documents, web_session, login
):
    anna = login("citizen", "anna")
    application = parking_application(*anna_documents)
    first = submitted(web_session, keyed(anna, "portal-7f3a"), application)
    changed = {**application, "language": "en"}

    reused = web_session.post(CASES, json=changed, headers=keyed(anna, "portal-7f3a"))

    assert reused.status_code == 409, reused.text
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert my_cases(web_session, anna) == [first["case_id"]]


def test_a_draft_saved_again_with_its_key_is_one_draft(applications, web_session, login):
    anna, ben = login("citizen", "anna"), login("citizen", "ben")
    draft = {"application_type": "bewohnerparkausweis", "form": {"plate": "SO-AB 123"}}

    first = web_session.post(DRAFTS, json=draft, headers=keyed(anna, "draft-1"))
    again = web_session.post(DRAFTS, json=draft, headers=keyed(anna, "draft-1"))
    reused = web_session.post(
        DRAFTS, json={**draft, "form": {"plate": "SO-XY 9"}}, headers=keyed(anna, "draft-1")
    )
    bens = web_session.post(DRAFTS, json=draft, headers=keyed(ben, "draft-1"))

    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"
    listed = web_session.get(DRAFTS, headers=anna).json()["drafts"]
    assert [d["draft_id"] for d in listed] == [first.json()["draft_id"]]
    assert bens.status_code == 201 and bens.json()["draft_id"] != first.json()["draft_id"]


def test_a_note_added_again_with_its_key_is_one_note(anna_documents, web_session, login):
    traffic = ("traffic",)  # the parking permits' department
    clara, konrad = login("clerk", "clara", traffic), login("clerk", "konrad", traffic)
    case_id = submitted(
        web_session, login("citizen", "anna"), parking_application(*anna_documents)
    )["case_id"]
    notes = f"{CASES}/{case_id}/notes"
    note = {"text": "Zulassung telefonisch bestätigt."}

    first = web_session.post(notes, json=note, headers=keyed(clara, "note-1"))
    again = web_session.post(notes, json=note, headers=keyed(clara, "note-1"))
    konrads = web_session.post(notes, json=note, headers=keyed(konrad, "note-1"))

    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    case = web_session.get(f"{CASES}/{case_id}", headers=clara).json()
    assert [n["note_id"] for n in case["notes"]] == [
        first.json()["note_id"],
        konrads.json()["note_id"],
    ]
