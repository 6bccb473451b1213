"""The applications service's entrypoints: citizens apply and follow; clerks work the cases.

Each entrypoint loads its input, builds the command and calls one use case (use_cases/).
"""

from __future__ import annotations

from typing import Any

from nameko.extensions import DependencyProvider

from services.applications import catalogue, notices, use_cases
from services.applications.answers import (
    ApplicationTypeView,
    CaseSummary,
    CaseView,
    DecisionLetterPreview,
    DraftView,
    NoteView,
    WorklistPage,
)
from services.applications.schemas import (
    Answer,
    Assignment,
    Decision,
    DraftInput,
    Submission,
    Text,
    Worklist,
)
from services.applications.settings import ApplicationsSettings
from services.common import dead_letter_trail
from services.common import service as common
from services.common.clock import system_clock
from services.common.errors import InvalidInput
from services.common.events import Event
from services.common.handlers import event_handler
from services.common.identity import CITIZEN, OFFICE, SIGNED_IN
from services.common.loading import load
from services.common.rpc import RemoteService
from services.common.rpc_entrypoint import rpc
from services.notifications import events as notification_events

now = system_clock
NOTICES_BATCH = 50  # notices of messages noted in one transaction at most


def _language(language: str) -> str:
    return language if language in catalogue.LANGUAGES else "de"


class Catalogue(DependencyProvider):
    """The application types, read and checked once at start (a mistake in types.yaml or a
    form stops the service), their form schemas named under APPLICATIONS.api_url."""

    def setup(self) -> None:
        api_url = ApplicationsSettings.from_config().api_url
        self.types = catalogue.Types(catalogue.load(api_url=api_url))

    def get_dependency(self, worker_ctx) -> catalogue.Types:
        return self.types


class ApplicationsService(dead_letter_trail.DeadLetterTrail, common.ServiceBase):
    name = "applications"

    types = Catalogue()
    documents = RemoteService("documents")

    @rpc(answers=ApplicationTypeView, many=True)
    def application_types(self, language: str = "de") -> list[dict[str, Any]]:
        return [kind.view(_language(language)) for kind in self.types.values()]

    # a JSON Schema document, whose keywords are JSON Schema's: no schema of ours describes it
    @rpc
    def form_schema(self, application_type: str, language: str = "de") -> dict[str, Any]:
        """The type's form as JSON Schema (draft 2020-12), its texts in the language asked."""
        return self.types.kind_of(application_type).form_schema(_language(language))

    # what the notifications service did about a case: into its history

    # Retry policy of both: nothing here is refused (a message about anything but a case,
    # or about a case that is gone, is skipped; a payload out of shape is dead-lettered on
    # receipt), so no refusal is permanent; a fault of the database is retried with the
    # default back-off. The notifications service reports its messages in batches: they are
    # noted so, many in a transaction.
    @event_handler(notification_events.NOTIFICATION_SENT, permanent=(), batch=NOTICES_BATCH)
    def on_notification_sent(self, events: list[Event]) -> None:
        self._note_notifications(events, notices.SENT)

    @event_handler(notification_events.NOTIFICATION_FAILED, permanent=(), batch=NOTICES_BATCH)
    def on_notification_failed(self, events: list[Event]) -> None:
        self._note_notifications(events, notices.FAILED)

    def _note_notifications(self, events: list[Event], action: str) -> None:
        command = use_cases.NoteNotifications(events, action)
        use_cases.note_notifications(command, self.db, now)

    # drafts

    @rpc(roles=CITIZEN, answers=DraftView)
    def save_draft(
        self,
        draft: dict[str, Any],
        draft_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """A new draft (`draft_id` None; a key makes it safe to send again), or a draft
        replaced as a whole."""
        data = load(DraftInput, draft)
        command = use_cases.SaveDraft(self.caller, data, draft_id, idempotency_key)
        return use_cases.save_draft(command, self.db, now, types=self.types)

    @rpc(roles=CITIZEN, answers=DraftView)
    def get_draft(self, draft_id: str) -> dict[str, Any]:
        return use_cases.get_draft(use_cases.GetDraft(self.caller, draft_id), self.db)

    @rpc(roles=CITIZEN, answers=DraftView, many=True)
    def my_drafts(self) -> list[dict[str, Any]]:
        return use_cases.my_drafts(use_cases.MyDrafts(self.caller), self.db)

    # the citizen's case

    @rpc(roles=CITIZEN, answers=CaseView)
    def submit(
        self, application: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        try:
            loaded = load(Submission, application)
        except InvalidInput as refused:
            raise use_cases.with_form_faults(refused, application, self.types) from None
        command = use_cases.SubmitApplication.of(self.caller, loaded, idempotency_key)
        return use_cases.submit_application(
            command, self.db, now, types=self.types, documents=self.documents
        )

    @rpc(roles=CITIZEN, answers=CaseSummary, many=True)
    def my_cases(self) -> list[dict[str, Any]]:
        command = use_cases.MyCases(self.caller)
        return use_cases.my_cases(command, self.db, now, types=self.types)

    @rpc(roles=SIGNED_IN, answers=CaseView)
    def get_case(self, case_id: str) -> dict[str, Any]:
        command = use_cases.GetCase(self.caller, case_id)
        return use_cases.get_case(command, self.db, types=self.types)

    @rpc(roles=CITIZEN, answers=CaseView)
    def answer(self, case_id: str, answer: dict[str, Any]) -> dict[str, Any]:
        data = load(Answer, answer)
        command = use_cases.AnswerCase(self.caller, case_id, data["text"], data["attachments"])
        return use_cases.answer_case(
            command, self.db, now, types=self.types, documents=self.documents
        )

    @rpc(roles=CITIZEN, answers=CaseView)
    def withdraw(self, case_id: str) -> dict[str, Any]:
        return self._move(case_id, "withdraw")

    # the clerk's work

    @rpc(roles=OFFICE, answers=WorklistPage)
    def worklist(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """A page of the cases the caller works: a clerk's departments', an admin's all."""
        command = use_cases.ReadWorklist(self.caller, load(Worklist, query or {}))
        return use_cases.worklist(command, self.db, now, types=self.types)

    @rpc(roles=OFFICE, answers=CaseView)
    def assign(self, case_id: str, assignment: dict[str, Any]) -> dict[str, Any]:
        data = load(Assignment, assignment)
        command = use_cases.AssignCase(self.caller, case_id, data["assignee"])
        return use_cases.assign_case(command, self.db, now, types=self.types)

    @rpc(roles=OFFICE, answers=NoteView)
    def add_note(
        self, case_id: str, note: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        text = load(Text, note)["text"]
        command = use_cases.AddNote(self.caller, case_id, text, idempotency_key)
        return use_cases.add_note(command, self.db, now, types=self.types)

    @rpc(roles=OFFICE, answers=CaseView)
    def start_review(self, case_id: str) -> dict[str, Any]:
        return self._move(case_id, "start_review")

    @rpc(roles=OFFICE, answers=CaseView)
    def request_information(self, case_id: str, request: dict[str, Any]) -> dict[str, Any]:
        return self._move(case_id, "request_information", load(Text, request)["text"])

    @rpc(roles=OFFICE, answers=CaseView)
    def decide(self, case_id: str, decision: dict[str, Any]) -> dict[str, Any]:
        data = load(Decision, decision)
        command = use_cases.DecideCase(self.caller, case_id, data["decision"], data["reason"])
        return use_cases.decide_case(command, self.db, now, types=self.types)

    @rpc(roles=OFFICE, answers=DecisionLetterPreview)
    def preview_decision(self, case_id: str, decision: dict[str, Any]) -> dict[str, Any]:
        """The decision letter that deciding so now would issue, as a PDF (base64), while
        nothing is decided, issued or stored: refused as `decide` would refuse it."""
        data = load(Decision, decision)
        command = use_cases.DecideCase(self.caller, case_id, data["decision"], data["reason"])
        return use_cases.preview_decision(
            command, self.db, now, types=self.types, documents=self.documents
        )

    @rpc(roles=OFFICE, answers=CaseView)
    def complete(self, case_id: str) -> dict[str, Any]:
        return self._move(case_id, "complete")

    @rpc(roles=OFFICE, answers=CaseView)
    def reopen(self, case_id: str, reason: dict[str, Any]) -> dict[str, Any]:
        return self._move(case_id, "reopen", load(Text, reason)["text"])

    def _move(self, case_id: str, action: str, text: str | None = None) -> dict[str, Any]:
        command = use_cases.MoveCase(self.caller, case_id, action, text)
        return use_cases.move_case(command, self.db, now, types=self.types)
