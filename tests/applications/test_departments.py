"""A clerk works the cases of their departments and sees nothing of another's: not in the
worklist, not by the case's id, not to note, assign, move or decide. An admin sees every
case. The decision letter can be seen before it is issued, and the preview issues nothing.
Over RPC, on the real broker and database."""

from __future__ import annotations

import base64
import io

import pytest
from pypdf import PdfReader

from services.applications import errors
from tests.support.applications import parking_application, upload
from tests.support.clients import as_caller

TRAFFIC = ("traffic",)  # resident parking permits
TAXES = ("taxes",)  # dog tax


@pytest.fixture
def parking_case(applications, portal_of) -> dict:
    documents = upload(portal_of, "anna", b"registration"), upload(portal_of, "anna", b"home")
    with as_caller("citizen", "anna") as anna:
        return anna.applications.submit(parking_application(*documents))


def listed(worklist: dict) -> list[str]:
    return [case["case_id"] for case in worklist["cases"]]


def test_a_clerk_of_the_types_department_works_the_case(parking_case):
    case_id = parking_case["case_id"]
    with as_caller("clerk", "clara", TRAFFIC + TAXES) as clara:
        assert listed(clara.applications.worklist({})) == [case_id]
        assert clara.applications.get_case(case_id)["case_id"] == case_id
        assert clara.applications.worklist({"application_type": "hundesteuer"})["cases"] == []


def test_a_clerk_of_another_department_sees_nothing_of_the_case(parking_case):
    case_id = parking_case["case_id"]
    with as_caller("clerk", "theo", TAXES) as theo:
        assert theo.applications.worklist({})["cases"] == []
        assert (
            theo.applications.worklist({"application_type": "bewohnerparkausweis"})["cases"] == []
        )
        for attempt in (
            lambda: theo.applications.get_case(case_id),
            lambda: theo.applications.add_note(case_id, {"text": "Gesehen"}),
            lambda: theo.applications.assign(case_id, {"assignee": "theo"}),
            lambda: theo.applications.start_review(case_id),
            lambda: theo.applications.decide(case_id, {"decision": "approved", "reason": "ok"}),
            lambda: theo.applications.preview_decision(
                case_id, {"decision": "approved", "reason": "ok"}
            ),
        ):
            with pytest.raises(errors.CaseNotFound):
                attempt()
    with as_caller("clerk", "clara", TRAFFIC) as clara:
        case = clara.applications.get_case(case_id)
    assert case["status"] == "submitted" and case["notes"] == [] and case["assignee"] is None


def test_a_clerk_without_departments_has_an_empty_worklist(parking_case):
    with as_caller("clerk", "nina") as nina:
        assert nina.applications.worklist({})["cases"] == []
        with pytest.raises(errors.CaseNotFound):
            nina.applications.get_case(parking_case["case_id"])


def test_an_admin_sees_every_department_s_cases(parking_case):
    with as_caller("admin", "ada") as ada:
        assert listed(ada.applications.worklist({})) == [parking_case["case_id"]]
        assert ada.applications.get_case(parking_case["case_id"])["status"] == "submitted"


def test_the_decision_letter_is_seen_before_it_is_issued_and_the_preview_issues_nothing(
    parking_case,
):
    case_id = parking_case["case_id"]
    decision = {"decision": "rejected", "reason": "Die Zone B gilt für Ihre Straße nicht."}
    with as_caller("clerk", "clara", TRAFFIC, name="Clara Klein") as clara:
        preview = clara.applications.preview_decision(case_id, decision)
        case = clara.applications.get_case(case_id)

    assert preview["media_type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(base64.b64decode(preview["content"]))).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert parking_case["case_number"] in text
    assert "Die Zone B gilt für Ihre Straße nicht." in text
    assert "Clara Klein" in text
    assert case["status"] == "submitted"
    assert [entry["action"] for entry in case["history"]] == ["submit"]
    with as_caller("clerk", "clara", TRAFFIC) as clara:
        filed = clara.documents.list_documents({"case_id": case_id})["documents"]
    assert "decision_letter" not in {document["document_type"] for document in filed}


def test_a_decision_the_case_does_not_allow_has_no_preview(parking_case):
    case_id = parking_case["case_id"]
    with as_caller("clerk", "clara", TRAFFIC) as clara:
        clara.applications.request_information(case_id, {"text": "Bitte die Rückseite."})
        with pytest.raises(errors.IllegalTransition):
            clara.applications.preview_decision(case_id, {"decision": "approved", "reason": "ok"})
