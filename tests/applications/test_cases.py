"""Citizens apply and follow their case; clerks work it. Over RPC, on the real broker and
database, with real documents."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from services.applications import errors
from tests.support.applications import parking_application, parking_form, upload
from tests.support.clients import as_caller
from tests.support.documents import pdf

# the department that works resident parking permits (types.yaml)
TRAFFIC = ("traffic",)


@pytest.fixture
def anna_documents(applications, portal_of):
    return upload(portal_of, "anna", b"registration"), upload(portal_of, "anna", b"residence")


def test_a_submitted_application_gets_a_number_metadata_and_history(anna_documents, case_events):
    registration, residence = anna_documents
    with as_caller("citizen", "anna") as anna:
        case = anna.applications.submit(parking_application(registration, residence))

    assert re.fullmatch(r"20\d\d-BPA-000001", case["case_number"])
    assert case["status"] == "submitted"
    assert case["status_text"] == "Ihr Antrag ist eingegangen."
    content = case["submission"]["contentStructure"]
    canonical = json.dumps(case["form"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert content["data"]["hash"]["content"] == hashlib.sha256(canonical.encode()).hexdigest()
    schema_uri = content["data"]["submissionSchema"]["schemaUri"]
    assert schema_uri.endswith("/api/v1/applications/types/bewohnerparkausweis/schema.json")
    assert case["submission"]["publicServiceType"]["identifier"] == "99050012104000"
    assert [a["hash"]["content"] for a in content["attachments"]] == [
        hashlib.sha256(pdf(2000, b"registration")).hexdigest(),
        hashlib.sha256(pdf(2000, b"residence")).hexdigest(),
    ]
    assert [a["purpose"] for a in content["attachments"]] == [
        "vehicle_registration",
        "proof_of_residence",
    ]
    assert [entry["action"] for entry in case["history"]] == ["submit"]
    submitted = case_events.wait_for_one("application_submitted", case_id=case["case_id"])
    assert submitted["payload"]["case_number"] == case["case_number"]
    # whose clerks hear of it: the type's department
    assert submitted["payload"]["department"] == "traffic"
    assert [a["document_id"] for a in submitted["payload"]["attachments"]] == [
        registration,
        residence,
    ]


def test_the_same_submission_twice_gives_the_same_case(anna_documents):
    application = parking_application(*anna_documents, idempotency_key="form-7f3a")
    with as_caller("citizen", "anna") as anna:
        first = anna.applications.submit(application)
        second = anna.applications.submit(application)
        other = anna.applications.submit({**application, "idempotency_key": "form-8b1c"})
    assert first["case_id"] == second["case_id"]
    assert other["case_number"].endswith("-000002")


def test_every_failing_field_is_named(anna_documents):
    form = parking_form(plate="nonsense", zone="Z", valid_from="2001-01-01")
    del form["address"]["postcode"]
    application = {**parking_application(*anna_documents), "form": {**form, "colour": "red"}}
    with as_caller("citizen", "anna") as anna, pytest.raises(errors.InvalidForm) as refused:
        anna.applications.submit(application)
    assert set(refused.value.details) == {"plate", "zone", "valid_from", "address", "colour"}
    assert refused.value.details["address"] == {"postcode": ["Missing data for required field."]}


def test_missing_required_attachments_are_named(anna_documents):
    application = {**parking_application(*anna_documents), "attachments": []}
    with as_caller("citizen", "anna") as anna, pytest.raises(errors.AttachmentsMissing) as refused:
        anna.applications.submit(application)
    [missing] = refused.value.details["missing"]
    assert missing["purpose"] == "vehicle_registration"
    assert missing["name"]["de"] == "Zulassungsbescheinigung Teil I"


def test_a_document_of_someone_else_is_refused(anna_documents, portal_of):
    bens = upload(portal_of, "ben", b"ben's registration")
    application = parking_application(bens, anna_documents[1])
    with as_caller("citizen", "anna") as anna, pytest.raises(errors.DocumentNotYours):
        anna.applications.submit(application)


def test_a_draft_is_saved_and_resumed(applications):
    with as_caller("citizen", "anna") as anna:
        draft = anna.applications.save_draft(
            {"application_type": "hundesteuer", "form": {"dogs": [{"name": "Bello"}]}}
        )
        resumed = anna.applications.get_draft(draft["draft_id"])
        assert resumed["form"] == {"dogs": [{"name": "Bello"}]}
        anna.applications.save_draft(
            {"application_type": "hundesteuer", "form": {"kept_since": "2026-01-01"}},
            draft["draft_id"],
        )
        assert [d["form"] for d in anna.applications.my_drafts()] == [{"kept_since": "2026-01-01"}]
    with as_caller("citizen", "ben") as ben, pytest.raises(errors.DraftNotFound):
        ben.applications.get_draft(draft["draft_id"])


def test_a_clerk_works_the_case_and_the_citizen_follows(anna_documents, portal_of, case_events):
    with as_caller("citizen", "anna") as anna:
        case = anna.applications.submit(parking_application(*anna_documents))
    case_id = case["case_id"]
    with as_caller("clerk", "clara", TRAFFIC) as clara:
        clara.applications.assign(case_id, {"assignee": "clara"})
        clara.applications.add_note(case_id, {"text": "Halter prüfen"})
        asked = clara.applications.request_information(
            case_id, {"text": "Bitte die Rückseite der Zulassung nachreichen."}
        )
        assert asked["status"] == "information_requested"
        with pytest.raises(errors.IllegalTransition) as illegal:
            clara.applications.decide(case_id, {"decision": "approved", "reason": "ok"})
        assert illegal.value.details["allowed"] == ["in_review", "withdrawn"]
    asked_event = case_events.wait_for_one("application_information_requested", case_id=case_id)
    assert asked_event["payload"]["question"].startswith("Bitte die Rückseite")

    back = upload(portal_of, "anna", b"back side")
    with as_caller("citizen", "anna") as anna:
        seen = anna.applications.get_case(case_id)
        assert "notes" not in seen and "assignee" not in seen
        assert seen["open_request"] == "Bitte die Rückseite der Zulassung nachreichen."
        answered = anna.applications.answer(
            case_id,
            {"text": "Anbei.", "attachments": [{"document_id": back, "purpose": "other"}]},
        )
        assert answered["status"] == "in_review" and answered["open_request"] is None
    with as_caller("clerk", "clara", TRAFFIC) as clara:
        decided = clara.applications.decide(
            case_id, {"decision": "approved", "reason": "Alles da."}
        )
        assert decided["status"] == "approved"
        assert [n["text"] for n in decided["notes"]] == ["Halter prüfen"]
        done = clara.applications.complete(case_id)
        assert done["closed"] is True
    decided_event = case_events.wait_for_one("application_decided", case_id=case_id)
    assert decided_event["payload"]["decision"] == "approved"
    with as_caller("citizen", "anna") as anna:
        with pytest.raises(errors.CaseClosed):
            anna.applications.withdraw(case_id)
        final = anna.applications.get_case(case_id)
    # who works the case is the office's business: the citizen sees no assignment
    assert [e["action"] for e in final["history"]] == [
        "submit", "request_information", "answer", "approve", "complete",
    ]  # fmt: skip
    assert final["status_text"] == "Ihr Antrag ist abgeschlossen."
    with as_caller("clerk", "clara", TRAFFIC) as clara:
        assert clara.applications.reopen(case_id, {"text": "Zone falsch"})["status"] == "in_review"


def test_the_worklist_filters_sorts_and_pages(anna_documents):
    with as_caller("citizen", "anna") as anna:
        numbers = [
            anna.applications.submit(parking_application(*anna_documents, idempotency_key=f"k{n}"))[
                "case_number"
            ]
            for n in range(5)
        ]
    with as_caller("clerk", "clara", TRAFFIC) as clara:
        first = clara.applications.worklist({"limit": 2})
        second = clara.applications.worklist({"limit": 2, "cursor": first["next_cursor"]})
        third = clara.applications.worklist({"limit": 2, "cursor": second["next_cursor"]})
        paged = [c["case_number"] for page in (first, second, third) for c in page["cases"]]
        assert paged == numbers and third["next_cursor"] is None
        newest = clara.applications.worklist({"sort": "-submitted_at", "limit": 1})
        assert newest["cases"][0]["case_number"] == numbers[-1]
        case_id = first["cases"][0]["case_id"]
        clara.applications.assign(case_id, {"assignee": "clara"})
        mine = clara.applications.worklist({"assignee": "clara"})
        assert [c["case_id"] for c in mine["cases"]] == [case_id]
        assert clara.applications.worklist({"status": "approved"})["cases"] == []
        assert clara.applications.worklist({"overdue": True})["cases"] == []
    with as_caller("citizen", "anna") as anna, pytest.raises(Exception) as refused:
        anna.applications.worklist({})
    assert type(refused.value).__name__ == "Forbidden"


def test_the_catalogue_names_three_types_with_their_forms(applications):
    with as_caller("citizen", "anna") as anna:
        types = {t["key"]: t for t in anna.applications.application_types("en")}
    assert set(types) == {"bewohnerparkausweis", "meldebescheinigung", "hundesteuer"}
    parking = types["bewohnerparkausweis"]
    assert parking["name"] == "Resident parking permit"
    assert parking["fee_cents"] == 3060
    assert "plate" in parking["required_fields"]
    assert [a["purpose"] for a in parking["attachments"] if a["required"]] == [
        "vehicle_registration"
    ]
