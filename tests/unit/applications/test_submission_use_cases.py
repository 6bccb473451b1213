"""A citizen submits an application: checked, numbered, recorded and announced once; each
refusal names what is wrong and leaves no case and no event behind."""

from __future__ import annotations

import hashlib
import json

import pytest

from services.applications import use_cases
from services.applications.errors import (
    AttachmentNotAllowed,
    AttachmentsMissing,
    DocumentNotYours,
    InvalidForm,
    UnknownApplicationType,
)
from services.applications.schemas import DraftInput, Submission
from services.common.errors import InvalidInput, ServiceUnavailable
from services.common.idempotency import IdempotencyKeyReused
from services.common.loading import load
from tests.unit.applications.office import ANNA, BEN, Desk, desk_of, parking_form, types


@pytest.fixture
def desk(fake_uow) -> Desk:
    return desk_of(fake_uow)


def test_a_submitted_application_gets_the_first_number_of_its_type_and_year(desk):
    case = desk.submit()

    assert case["case_number"] == "2026-BPA-000001"
    assert case["status"] == "submitted"
    assert case["status_text"] == "Ihr Antrag ist eingegangen."
    assert [entry["action"] for entry in case["history"]] == ["submit"]


def test_the_next_case_of_a_type_counts_on_and_another_type_counts_apart(desk):
    desk.submit()
    second = desk.submit()
    dog = desk.submit(desk.dog_application())

    assert second["case_number"] == "2026-BPA-000002"
    assert dog["case_number"] == "2026-HST-000001"


def test_a_case_is_due_after_the_types_processing_days_counted_as_working_days(desk):
    case = desk.submit()

    # ten working days from Wednesday, 2 December: two weekends lie between
    assert case["submitted_at"] == "2026-12-02T09:00:00+00:00"
    assert case["due_at"] == "2026-12-16T09:00:00+00:00"


def test_the_submission_metadata_proves_the_form_and_each_attachment_by_hash(desk):
    application = desk.parking_application()
    case = desk.submit(application)

    content = case["submission"]["contentStructure"]
    canonical = json.dumps(case["form"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert content["data"]["hash"]["content"] == hashlib.sha256(canonical.encode()).hexdigest()
    registration, residence = (a["document_id"] for a in application["attachments"])
    assert [a["hash"]["content"] for a in content["attachments"]] == [
        desk.documents.sha256(registration),
        desk.documents.sha256(residence),
    ]
    assert case["submission"]["publicServiceType"]["identifier"] == "99050012104000"


def test_submitting_announces_the_case_once_committed_with_what_the_receipt_needs(desk):
    application = desk.parking_application()

    case = desk.submit(application)

    assert desk.uow.published_types() == ["application_submitted"]
    [submitted] = desk.uow.payloads_of("application_submitted")
    assert submitted["case_id"] == case["case_id"]
    assert submitted["case_number"] == "2026-BPA-000001"
    assert submitted["department"] == "traffic"
    assert submitted["processing_days"] == 10
    assert submitted["fee_cents"] == 3060
    assert submitted["recipient_name"] == "Anna Schmidt"
    assert submitted["email"] == "anna@example.org"
    # a document without a title is listed under the purpose's name
    assert [(a["document_id"], a["title"]) for a in submitted["attachments"]] == [
        (application["attachments"][0]["document_id"], "Zulassung"),
        (application["attachments"][1]["document_id"], "Nachweis der Wohnadresse"),
    ]


def test_the_same_submission_sent_again_with_its_key_answers_the_same_case(desk):
    application = desk.parking_application()

    first = desk.submit(application, idempotency_key="form-7f3a")
    asked = len(desk.documents.asked)
    second = desk.submit(application, idempotency_key="form-7f3a")

    assert second["case_id"] == first["case_id"]
    assert desk.count_cases() == 1
    assert desk.uow.published_types() == ["application_submitted"]
    # answered from what was made: the documents service is not asked again
    assert len(desk.documents.asked) == asked


def test_the_key_of_the_header_wins_over_the_key_in_the_body(desk):
    application = desk.parking_application(idempotency_key="in-the-body")

    first = desk.submit(application, idempotency_key="in-the-header")
    again = desk.submit(
        {**application, "idempotency_key": "other-body"}, idempotency_key="in-the-header"
    )
    command = use_cases.SubmitApplication.of(ANNA, load(Submission, application), None)

    assert again["case_id"] == first["case_id"]
    assert command.idempotency_key == "in-the-body"
    assert "idempotency_key" not in command.application


def test_a_key_sent_again_with_another_application_is_refused(desk):
    desk.submit(desk.parking_application(), idempotency_key="form-7f3a")

    with pytest.raises(IdempotencyKeyReused) as refused:
        desk.submit(desk.dog_application(), idempotency_key="form-7f3a")

    assert refused.value.code == "idempotency_key_reused"
    assert desk.count_cases() == 1
    assert desk.uow.published_types() == ["application_submitted"]


def test_two_citizens_never_meet_each_others_keys(desk):
    annas = desk.submit(desk.parking_application(ANNA), idempotency_key="form-1")
    bens = desk.submit(desk.parking_application(BEN), BEN, idempotency_key="form-1")

    assert bens["case_id"] != annas["case_id"]
    assert desk.count_cases() == 2


def test_two_requests_with_one_key_that_race_make_one_case(desk):
    application = desk.parking_application()
    racing = {"done": False}
    asked_for = desk.documents.get_document

    def the_other_request_commits_first(document_id):
        # while this request asks the documents service, its twin is answered and commits
        if not racing["done"]:
            racing["done"] = True
            desk.submit(application, idempotency_key="form-7f3a")
        return asked_for(document_id)

    desk.documents.get_document = the_other_request_commits_first
    answered = desk.submit(application, idempotency_key="form-7f3a")

    assert desk.count_cases() == 1
    assert answered["case_number"] == "2026-BPA-000001"
    assert desk.uow.published_types() == ["application_submitted"]


def test_every_failing_field_of_the_form_is_named_and_nothing_is_recorded(desk):
    form = parking_form(plate="nonsense", zone="Z", valid_from="2001-01-01", colour="red")
    del form["address"]["postcode"]

    with pytest.raises(InvalidForm) as refused:
        desk.submit(desk.parking_application(form=form))

    assert refused.value.code == "invalid_form"
    assert set(refused.value.details) == {"plate", "zone", "valid_from", "address", "colour"}
    assert refused.value.details["address"] == {"postcode": ["Missing data for required field."]}
    assert desk.count_cases() == 0 and desk.uow.published == []


def test_a_submission_refused_for_its_contact_names_the_faults_of_its_form_too(desk):
    application = desk.parking_application(form=parking_form(plate="nonsense"))
    del application["contact"]["name"]

    with pytest.raises(InvalidInput) as refused:
        load(Submission, application)
    named = use_cases.with_form_faults(refused.value, application, types())

    assert named.code == "invalid_input"
    assert set(named.details) == {"contact", "form"}
    assert set(named.details["contact"]) == {"name"}
    assert set(named.details["form"]) == {"plate"}


def test_a_refused_submission_with_a_sound_form_or_an_unknown_type_names_its_envelope_only(
    desk,
):
    sound = desk.parking_application()
    del sound["contact"]["name"]
    unknown = {**sound, "application_type": "no_such_type", "form": {"plate": 1}}

    for application in (sound, unknown):
        with pytest.raises(InvalidInput) as refused:
            load(Submission, application)
        named = use_cases.with_form_faults(refused.value, application, types())
        assert set(named.details) == {"contact"}


def test_a_missing_required_attachment_is_named_with_its_name(desk):
    with pytest.raises(AttachmentsMissing) as refused:
        desk.submit(desk.parking_application(attachments=[]))

    [missing] = refused.value.details["missing"]
    assert missing["purpose"] == "vehicle_registration"
    assert missing["name"]["de"] == "Zulassungsbescheinigung Teil I"
    assert desk.count_cases() == 0 and desk.uow.published == []


def test_an_attachment_for_a_purpose_the_type_does_not_take_is_refused(desk):
    application = desk.parking_application()
    application["attachments"].append(
        {"document_id": desk.documents.upload(ANNA), "purpose": "dog_photo"}
    )

    with pytest.raises(AttachmentNotAllowed) as refused:
        desk.submit(application)

    assert refused.value.details["unknown"] == ["dog_photo"]
    assert "vehicle_registration" in refused.value.details["purposes"]
    assert desk.uow.published == []


def test_a_document_of_a_type_the_purpose_does_not_take_is_refused(desk):
    photo = desk.documents.upload(ANNA, document_type="photo")
    application = desk.parking_application(
        attachments=[{"document_id": photo, "purpose": "vehicle_registration"}]
    )

    with pytest.raises(AttachmentNotAllowed) as refused:
        desk.submit(application)

    assert refused.value.details == {"document_id": photo, "document_type": "photo"}
    assert desk.count_cases() == 0


def test_a_document_of_someone_else_is_refused_as_not_yours(desk):
    bens = desk.documents.upload(BEN)
    application = desk.parking_application(
        attachments=[{"document_id": bens, "purpose": "vehicle_registration"}]
    )

    with pytest.raises(DocumentNotYours) as refused:
        desk.submit(application)

    assert refused.value.code == "document_not_yours"
    assert refused.value.details == {"document_id": bens}
    assert desk.count_cases() == 0 and desk.uow.published == []


def test_a_fault_of_the_documents_service_is_passed_on_as_it_is(desk):
    application = desk.parking_application()
    desk.documents.fault = ServiceUnavailable("The documents service did not answer.")

    with pytest.raises(ServiceUnavailable):
        desk.submit(application)

    assert desk.count_cases() == 0 and desk.uow.published == []


def test_an_unknown_type_is_refused_before_any_document_is_asked_for(desk):
    application = desk.parking_application(application_type="angelschein")

    with pytest.raises(UnknownApplicationType) as refused:
        desk.submit(application)

    assert refused.value.details["application_type"] == "angelschein"
    assert desk.documents.asked == []


def test_a_draft_submitted_is_gone(desk):
    saved = use_cases.save_draft(
        use_cases.SaveDraft(ANNA, load(DraftInput, {"application_type": "hundesteuer"})),
        desk.uow,
        desk.clock,
        types=types(),
    )

    desk.submit(desk.dog_application(draft_id=saved["draft_id"]))

    assert use_cases.my_drafts(use_cases.MyDrafts(ANNA), desk.uow) == []
