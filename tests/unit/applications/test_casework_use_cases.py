"""The office works a case and the citizen answers and withdraws: each move is recorded in
the case's history and announced once committed; a move the case's status does not allow
is refused with `illegal_transition` (or `case_closed`) and changes and announces nothing."""

from __future__ import annotations

import pytest

from services.applications import errors, use_cases
from services.applications.errors import CaseClosed, CaseNotFound, DocumentNotYours, NoOpenRequest
from services.common.errors import Unauthenticated
from services.common.identity import ANONYMOUS
from services.common.transitions import IllegalTransition
from tests.unit.applications.office import ADA, ANNA, BEN, CLARA, THEO, Desk, desk_of, types

QUESTION = "Bitte die Rückseite der Zulassung nachreichen."


@pytest.fixture
def desk(fake_uow) -> Desk:
    return desk_of(fake_uow)


@pytest.fixture
def case_id(desk) -> str:
    """Anna's resident parking permit, submitted; what it announced is set aside."""
    case_id = desk.submit()["case_id"]
    desk.uow.published.clear()
    return case_id


def test_a_clerk_starts_the_review_and_the_citizen_is_told(desk, case_id):
    case = desk.move(CLARA, case_id, "start_review")

    assert case["status"] == "in_review"
    assert [entry["action"] for entry in case["history"]] == ["submit", "start_review"]
    assert case["history"][-1]["actor"] == "clara"
    [changed] = desk.uow.payloads_of("application_status_changed")
    assert changed["status"] == "in_review"
    assert changed["status_text"] == "Wir prüfen Ihren Antrag."
    assert changed["inform_citizen"] is True and changed["closed"] is False


def test_a_request_for_information_waits_for_the_citizens_answer_and_is_announced(desk, case_id):
    case = desk.move(CLARA, case_id, "request_information", QUESTION)

    assert case["status"] == "information_requested"
    assert case["open_request"] == QUESTION
    assert desk.uow.published_types() == [
        "application_status_changed",
        "application_information_requested",
    ]
    [asked] = desk.uow.payloads_of("application_information_requested")
    assert asked["question"] == QUESTION and asked["case_id"] == case_id


def test_a_decision_the_status_does_not_allow_is_refused_with_the_allowed_moves(desk, case_id):
    desk.move(CLARA, case_id, "request_information", QUESTION)
    desk.uow.published.clear()

    with pytest.raises(IllegalTransition) as refused:
        desk.decide(case_id)

    assert refused.value.code == "illegal_transition"
    assert refused.value.http_status == 409
    assert refused.value.details["from"] == "information_requested"
    assert refused.value.details["to"] == "approved"
    assert refused.value.details["allowed"] == ["in_review", "withdrawn"]
    assert desk.status_of(case_id) == "information_requested"
    assert desk.uow.published == []


def test_the_services_refusal_of_a_move_is_the_one_every_state_machine_uses():
    assert errors.IllegalTransition is IllegalTransition


def test_an_approval_is_announced_with_what_the_decision_letter_is_written_from(desk, case_id):
    desk.move(CLARA, case_id, "start_review")
    desk.uow.published.clear()

    case = desk.decide(case_id, "approved", "Alles da.")

    assert case["status"] == "approved" and case["closed"] is False
    assert desk.uow.published_types() == ["application_status_changed", "application_decided"]
    [decided] = desk.uow.payloads_of("application_decided")
    assert decided["decision"] == "approved"
    assert decided["reason"] == "Alles da."
    assert decided["clerk"] == "clara" and decided["clerk_name"] == "Clara Klein"
    assert decided["decided_at"] == "2026-12-02T09:00:00+00:00"
    assert decided["recipient_name"] == "Anna Schmidt"


def test_a_rejection_records_its_reason_in_the_history_the_citizen_reads(desk, case_id):
    desk.decide(case_id, "rejected", "Die Zone B gilt für Ihre Straße nicht.")

    seen = desk.case(ANNA, case_id)

    assert seen["status"] == "rejected"
    assert seen["history"][-1]["action"] == "reject"
    assert seen["history"][-1]["text"] == "Die Zone B gilt für Ihre Straße nicht."


def test_completing_a_decided_case_closes_it_and_says_so(desk, case_id):
    desk.decide(case_id)
    desk.uow.published.clear()

    case = desk.move(CLARA, case_id, "complete")

    assert case["closed"] is True
    assert case["status_text"] == "Ihr Antrag ist abgeschlossen."
    [changed] = desk.uow.payloads_of("application_status_changed")
    assert changed["closed"] is True and changed["inform_citizen"] is True


def test_a_closed_case_takes_no_change_but_a_reopen(desk, case_id):
    desk.decide(case_id)
    desk.move(CLARA, case_id, "complete")
    desk.uow.published.clear()

    with pytest.raises(CaseClosed) as refused:
        desk.move(ANNA, case_id, "withdraw")

    assert refused.value.code == "case_closed"
    assert refused.value.details == {"status": "completed", "allowed": ["in_review"]}
    assert desk.uow.published == []


def test_a_completed_case_is_reopened_into_review_with_the_reason(desk, case_id):
    desk.decide(case_id)
    desk.move(CLARA, case_id, "complete")

    case = desk.move(CLARA, case_id, "reopen", "Zone falsch")

    assert case["status"] == "in_review" and case["closed"] is False
    assert case["history"][-1]["text"] == "Zone falsch"


def test_an_open_case_is_not_reopened(desk, case_id):
    with pytest.raises(IllegalTransition) as refused:
        desk.move(CLARA, case_id, "reopen", "Noch einmal")

    assert refused.value.details["from"] == "submitted"
    assert refused.value.details["to"] == "in_review"
    assert desk.uow.published == []


def test_a_withdrawn_case_is_never_reopened(desk, case_id):
    desk.move(ANNA, case_id, "withdraw")

    with pytest.raises(IllegalTransition) as refused:
        desk.move(CLARA, case_id, "reopen", "Doch nicht")

    assert refused.value.details["allowed"] == []
    assert desk.status_of(case_id) == "withdrawn"


def test_the_citizen_withdraws_and_the_case_is_closed(desk, case_id):
    case = desk.move(ANNA, case_id, "withdraw")

    assert case["status"] == "withdrawn" and case["closed"] is True
    assert case["allowed_actions"] == []
    [changed] = desk.uow.payloads_of("application_status_changed")
    assert changed["closed"] is True


def answer(desk: Desk, case_id: str, *document_ids: str, who=ANNA) -> dict:
    desk.documents.asking = who
    command = use_cases.AnswerCase(
        who,
        case_id,
        "Anbei.",
        [{"document_id": d, "purpose": "other"} for d in document_ids],
    )
    return use_cases.answer_case(
        command, desk.uow, desk.clock, types=types(), documents=desk.documents
    )


def test_an_answer_nobody_asked_for_is_refused(desk, case_id):
    with pytest.raises(NoOpenRequest) as refused:
        answer(desk, case_id)

    assert refused.value.code == "no_open_request"
    assert desk.status_of(case_id) == "submitted"
    assert desk.uow.published == []


def test_the_citizens_answer_with_a_document_goes_back_into_review(desk, case_id):
    desk.move(CLARA, case_id, "request_information", QUESTION)
    back = desk.documents.upload(ANNA)

    case = answer(desk, case_id, back)

    assert case["status"] == "in_review" and case["open_request"] is None
    assert back in [a["document_id"] for a in case["attachments"]]
    assert case["history"][-1]["documents"] == [back]
    assert case["history"][-1]["text"] == "Anbei."


def test_an_answer_with_someone_elses_document_is_refused_and_the_request_stays_open(desk, case_id):
    desk.move(CLARA, case_id, "request_information", QUESTION)
    desk.uow.published.clear()

    with pytest.raises(DocumentNotYours):
        answer(desk, case_id, desk.documents.upload(BEN))

    assert desk.case(ANNA, case_id)["open_request"] == QUESTION
    assert desk.uow.published == []


def test_a_clerk_of_another_department_finds_nothing_to_work(desk, case_id):
    attempts = (
        lambda: desk.case(THEO, case_id),
        lambda: desk.move(THEO, case_id, "start_review"),
        lambda: use_cases.assign_case(
            use_cases.AssignCase(THEO, case_id, "theo"), desk.uow, desk.clock, types=types()
        ),
        lambda: use_cases.add_note(
            use_cases.AddNote(THEO, case_id, "Gesehen"), desk.uow, desk.clock, types=types()
        ),
    )
    for attempt in attempts:
        with pytest.raises(CaseNotFound) as refused:
            attempt()
        assert refused.value.details == {"case_id": case_id}

    assert desk.status_of(case_id) == "submitted"
    assert desk.uow.published == []


def test_another_citizen_does_not_find_the_case(desk, case_id):
    with pytest.raises(CaseNotFound):
        desk.case(BEN, case_id)
    with pytest.raises(CaseNotFound):
        desk.move(BEN, case_id, "withdraw")


def test_an_admin_works_the_case_of_any_department(desk, case_id):
    assert desk.move(ADA, case_id, "start_review")["status"] == "in_review"


def test_an_anonymous_caller_moves_nothing(desk, case_id):
    with pytest.raises(Unauthenticated):
        desk.move(ANONYMOUS, case_id, "withdraw")

    assert desk.status_of(case_id) == "submitted"


def test_an_assignment_is_the_offices_business_and_announces_nothing(desk, case_id):
    command = use_cases.AssignCase(CLARA, case_id, "clara")
    case = use_cases.assign_case(command, desk.uow, desk.clock, types=types())

    assert case["assignee"] == "clara"
    assert case["history"][-1]["action"] == "assign"
    assert desk.uow.published == []
    seen = desk.case(ANNA, case_id)
    assert "assignee" not in seen
    assert [entry["action"] for entry in seen["history"]] == ["submit"]


def test_a_note_sent_twice_with_its_key_is_one_note_the_citizen_never_reads(desk, case_id):
    command = use_cases.AddNote(CLARA, case_id, "Halter prüfen", "note-1")

    first = use_cases.add_note(command, desk.uow, desk.clock, types=types())
    again = use_cases.add_note(command, desk.uow, desk.clock, types=types())

    assert again == first and first["author"] == "clara"
    assert [note["text"] for note in desk.case(CLARA, case_id)["notes"]] == ["Halter prüfen"]
    assert "notes" not in desk.case(ANNA, case_id)


def test_the_decision_letter_is_previewed_from_the_facts_deciding_would_announce(desk, case_id):
    command = use_cases.DecideCase(CLARA, case_id, "rejected", "Die Zone B gilt nicht.")

    preview = use_cases.preview_decision(
        command, desk.uow, desk.clock, types=types(), documents=desk.documents
    )

    assert preview["media_type"] == "application/pdf"
    [facts] = desk.documents.previews
    assert facts["decision"] == "rejected" and facts["reason"] == "Die Zone B gilt nicht."
    assert facts["clerk_name"] == "Clara Klein" and facts["case_id"] == case_id
    # nothing is decided, recorded or announced
    assert desk.status_of(case_id) == "submitted"
    assert desk.uow.published == []


def test_a_decision_the_case_does_not_allow_has_no_preview(desk, case_id):
    desk.move(CLARA, case_id, "request_information", QUESTION)
    command = use_cases.DecideCase(CLARA, case_id, "approved", "ok")

    with pytest.raises(IllegalTransition):
        use_cases.preview_decision(
            command, desk.uow, desk.clock, types=types(), documents=desk.documents
        )

    assert desk.documents.previews == []


def test_each_side_is_offered_only_its_own_moves(desk, case_id):
    assert desk.case(ANNA, case_id)["allowed_actions"] == ["withdraw"]
    assert desk.case(CLARA, case_id)["allowed_actions"] == [
        "start_review", "request_information", "approve", "reject",
    ]  # fmt: skip

    desk.move(CLARA, case_id, "request_information", QUESTION)

    assert desk.case(ANNA, case_id)["allowed_actions"] == ["answer", "withdraw"]
    # the office may take the case back into review without waiting for the answer
    assert desk.case(CLARA, case_id)["allowed_actions"] == ["start_review"]
