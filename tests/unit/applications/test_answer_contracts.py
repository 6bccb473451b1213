"""Every applications answer has the shape its RPC declares (`@rpc(answers=...)`): no key the
schema does not name, none it requires missing, and dumping it through the schema changes
nothing. A field added in a use case and not in services/applications/answers.py (or the
other way round) fails here, before a caller loses it. A case is asked for as its citizen
and as the office see it: they differ in what they show."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from marshmallow import Schema

from services.applications import notices, use_cases
from services.applications.schemas import DraftInput, Worklist
from services.applications.service import ApplicationsService
from services.common.answers import mismatches
from services.common.events import Event
from services.common.loading import load
from services.common.rpc_entrypoint import Rpc
from tests.unit.applications.office import ADA, ANNA, CLARA, Desk, desk_of, types

# the form's JSON Schema document: JSON Schema's keywords, no schema of the service's
UNDECLARED = {"form_schema"}
QUESTION = "Bitte die Rückseite der Zulassung nachreichen."


@pytest.fixture
def desk(fake_uow) -> Desk:
    return desk_of(fake_uow, handler="on_notification_sent")


@pytest.fixture
def case_id(desk) -> str:
    return desk.submit()["case_id"]


def rpcs() -> dict[str, Rpc]:
    """The applications service's own RPCs (those of services.common's mixins answer elsewhere)."""
    return {
        name: entrypoint
        for name, method in vars(ApplicationsService).items()
        for entrypoint in getattr(method, "nameko_entrypoints", ())
        if isinstance(entrypoint, Rpc)
    }


def conforms(rpc: str, answer: Any) -> None:
    entrypoint = rpcs()[rpc]
    assert entrypoint.answers is not None, f"{rpc} declares no answer"
    schema: type[Schema] = entrypoint.answers
    assert mismatches(schema(), answer, many=entrypoint.many) == []
    assert schema(many=entrypoint.many).dump(answer) == answer, "dumping changed the answer"


def sent(desk: Desk, case_id: str, channel: str) -> None:
    """The notifications service told the citizen of the case's submission on `channel`."""
    payload = {
        "message_id": str(uuid.uuid4()),
        "event_id": str(uuid.uuid4()),
        "event_type": "applications.application_submitted",
        "channel": channel,
        "template": "status",
        "attempts": 1,
        "facts": {"case_id": case_id},
    }
    event = Event(type="notification_sent", payload=payload)
    command = use_cases.NoteNotifications([event], notices.SENT)
    use_cases.note_notifications(command, desk.uow, desk.clock)


def test_every_rpc_that_answers_a_structure_declares_its_schema():
    undeclared = {name for name, entrypoint in rpcs().items() if entrypoint.answers is None}

    assert len(rpcs()) == 19
    assert undeclared == UNDECLARED


def test_a_list_is_declared_as_many_and_a_single_answer_is_not():
    lists = {name for name, entrypoint in rpcs().items() if entrypoint.many}

    assert lists == {"application_types", "my_cases", "my_drafts"}


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_application_types_answer_as_declared(language):
    # the entrypoint answers the catalogue's views as they are
    shown = [kind.view(language) for kind in types().values()]

    assert {kind["key"] for kind in shown} >= {"bewohnerparkausweis", "hundesteuer"}
    conforms("application_types", shown)


def test_drafts_answer_as_declared(desk):
    draft = {
        "application_type": "hundesteuer",
        "form": {"dogs": [{"name": "Bello"}]},
        "attachments": [{"document_id": str(uuid.uuid4()), "purpose": "other"}],
        "contact": {"name": "Anna Schmidt"},
    }
    command = use_cases.SaveDraft(ANNA, load(DraftInput, draft), None, "draft-1")
    saved = use_cases.save_draft(command, desk.uow, desk.clock, types=types())
    again = use_cases.save_draft(command, desk.uow, desk.clock, types=types())

    conforms("save_draft", saved)
    conforms("save_draft", again)
    conforms(
        "get_draft", use_cases.get_draft(use_cases.GetDraft(ANNA, saved["draft_id"]), desk.uow)
    )
    conforms("my_drafts", use_cases.my_drafts(use_cases.MyDrafts(ANNA), desk.uow))


def test_a_submitted_case_answers_as_declared_and_again_with_its_key(desk):
    application = desk.parking_application()

    first = desk.submit(application, idempotency_key="case-1")
    again = desk.submit(application, idempotency_key="case-1")

    assert again["case_id"] == first["case_id"] and first["attachments"]
    conforms("submit", first)
    conforms("submit", again)


def test_a_case_answers_as_declared_to_its_citizen_and_to_the_office(desk, case_id):
    sent(desk, case_id, "email")
    use_cases.add_note(
        use_cases.AddNote(CLARA, case_id, "Halter prüfen"), desk.uow, desk.clock, types=types()
    )

    citizens = desk.case(ANNA, case_id)
    offices = desk.case(CLARA, case_id)

    assert citizens["history"][0]["notified_by"] == ["email"]
    assert offices["notes"] and "actor" in offices["history"][0]
    conforms("get_case", citizens)
    conforms("get_case", offices)


def test_the_lists_of_cases_answer_as_declared(desk, case_id):
    desk.submit(desk.dog_application())

    mine = use_cases.my_cases(use_cases.MyCases(ANNA), desk.uow, desk.clock, types=types())
    page = desk.worklist(ADA, limit=1)

    assert len(mine) == 2 and page["next_cursor"] is not None
    conforms("my_cases", mine)
    conforms("worklist", page)
    command = use_cases.ReadWorklist(
        ADA, load(Worklist, {"limit": 1, "cursor": page["next_cursor"]})
    )
    last = use_cases.worklist(command, desk.uow, desk.clock, types=types())
    assert last["next_cursor"] is None
    conforms("worklist", last)


def test_the_offices_work_on_a_case_answers_as_declared(desk, case_id):
    assigned = use_cases.assign_case(
        use_cases.AssignCase(CLARA, case_id, "clara"), desk.uow, desk.clock, types=types()
    )
    command = use_cases.AddNote(CLARA, case_id, "Halter prüfen", "note-1")
    note = use_cases.add_note(command, desk.uow, desk.clock, types=types())
    noted_again = use_cases.add_note(command, desk.uow, desk.clock, types=types())

    assert assigned["assignee"] == "clara" and noted_again == note
    conforms("assign", assigned)
    conforms("add_note", note)
    conforms("add_note", noted_again)
    conforms("start_review", desk.move(CLARA, case_id, "start_review"))
    conforms("request_information", desk.move(CLARA, case_id, "request_information", QUESTION))


def test_the_citizens_answer_and_withdrawal_answer_as_declared(desk, case_id):
    desk.move(CLARA, case_id, "request_information", QUESTION)
    desk.documents.asking = ANNA
    document_id = desk.documents.upload(ANNA)
    command = use_cases.AnswerCase(
        ANNA, case_id, "Anbei.", [{"document_id": document_id, "purpose": "other"}]
    )

    answered = use_cases.answer_case(
        command, desk.uow, desk.clock, types=types(), documents=desk.documents
    )

    assert answered["history"][-1]["documents"] == [document_id]
    conforms("answer", answered)
    conforms("withdraw", desk.move(ANNA, case_id, "withdraw"))


def test_a_decision_its_preview_the_completion_and_a_reopening_answer_as_declared(desk, case_id):
    desk.move(CLARA, case_id, "start_review")
    command = use_cases.DecideCase(CLARA, case_id, "approved", "Alles da.")

    preview = use_cases.preview_decision(
        command, desk.uow, desk.clock, types=types(), documents=desk.documents
    )

    conforms("preview_decision", preview)
    conforms("decide", desk.decide(case_id))
    conforms("complete", desk.move(CLARA, case_id, "complete"))
    conforms("reopen", desk.move(CLARA, case_id, "reopen", "Ein Fehler im Bescheid."))
