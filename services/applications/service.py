"""The applications service's entrypoints: citizens apply and follow; clerks work the cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nameko.extensions import DependencyProvider

from services.applications import cases, catalogue, drafts, submission
from services.applications.errors import UnknownApplicationType
from services.applications.reach import Reach, reach_of
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
from services.common.context import Caller
from services.common.database import Transaction
from services.common.events import Event
from services.common.handlers import event_handler
from services.common.idempotency import Keyed, Once
from services.common.identity import CITIZEN, OFFICE, SIGNED_IN
from services.common.loading import load
from services.common.rpc import RemoteService
from services.common.rpc_entrypoint import rpc


def now() -> datetime:
    return datetime.now(UTC)


def _decision_action(decision: dict[str, Any]) -> str:
    return "approve" if decision["decision"] == "approved" else "reject"


def _language(language: str) -> str:
    return language if language in catalogue.LANGUAGES else "de"


class Catalogue(DependencyProvider):
    """The application types, read and checked once at start (a mistake in types.yaml or a
    form stops the service), their form schemas named under APPLICATIONS.api_url."""

    def setup(self) -> None:
        self.by_key = catalogue.load(api_url=ApplicationsSettings.from_config().api_url)

    def get_dependency(self, worker_ctx) -> Catalogue:
        return self

    def __getitem__(self, key: str) -> catalogue.ApplicationType:
        return self.by_key[key]

    def values(self) -> list[catalogue.ApplicationType]:
        return list(self.by_key.values())

    def kind_of(self, key: str) -> catalogue.ApplicationType:
        try:
            return self.by_key[key]
        except KeyError:
            raise UnknownApplicationType(
                "There is no such application type.",
                {"application_type": key, "known": list(self.by_key)},
            ) from None


class ApplicationsService(dead_letter_trail.DeadLetterTrail, common.ServiceBase):
    name = "applications"

    types = Catalogue()
    documents = RemoteService("documents")

    @rpc
    def application_types(self, language: str = "de") -> list[dict[str, Any]]:
        return [kind.view(_language(language)) for kind in self.types.values()]

    @rpc
    def form_schema(self, application_type: str, language: str = "de") -> dict[str, Any]:
        """The type's form as JSON Schema (draft 2020-12), its texts in the language asked."""
        return self.types.kind_of(application_type).form_schema(_language(language))

    # what the notifications service did about a case: into its history

    @event_handler("notifications", "notification_sent")
    def on_notification_sent(self, event: Event) -> None:
        self._note_notification(event, "citizen_notified")

    @event_handler("notifications", "notification_failed")
    def on_notification_failed(self, event: Event) -> None:
        self._note_notification(event, "notification_failed")

    def _note_notification(self, event: Event, action: str) -> None:
        case_id = cases.concerns_a_case(event.payload)
        if case_id is None:
            return  # about an appointment, a webhook, an alert: not this service's business
        with self.db.transaction(handling=event) as tx:
            cases.note_notification(tx.session, case_id, event.payload, action, now())

    # drafts

    @rpc(roles=CITIZEN)
    def save_draft(
        self,
        draft: dict[str, Any],
        draft_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """A new draft (`draft_id` None; a key makes it safe to send again), or a draft
        replaced as a whole."""
        caller = self.caller
        data = load(DraftInput, draft)
        self.types.kind_of(data["application_type"])
        if draft_id is not None:
            with self.db.transaction() as tx:
                return drafts.save(tx.session, caller, draft_id, data, now())
        once = Once(
            self.db.transaction,
            Keyed.of(caller.subject, "draft", idempotency_key, data),
            lambda tx, made: drafts.view(drafts.find(tx.session, caller, made)),
        )
        if (earlier := once.earlier()) is not None:
            return earlier
        return once.make(lambda tx: drafts.save(tx.session, caller, None, data, now())["draft_id"])

    @rpc(roles=CITIZEN)
    def get_draft(self, draft_id: str) -> dict[str, Any]:
        caller = self.caller
        with self.db.transaction() as tx:
            return drafts.view(drafts.find(tx.session, caller, draft_id))

    @rpc(roles=CITIZEN)
    def my_drafts(self) -> list[dict[str, Any]]:
        caller = self.caller
        with self.db.transaction() as tx:
            return drafts.mine(tx.session, caller)

    # the citizen's case

    @rpc(roles=CITIZEN)
    def submit(
        self, application: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        caller = self.caller
        spec = load(Submission, application)
        in_body = spec.pop("idempotency_key")  # the older way to send it; a header wins
        key = in_body if idempotency_key is None else idempotency_key
        kind = self.types.kind_of(spec["application_type"])
        once = Once(
            self.db.transaction,
            Keyed.of(caller.subject, "case", key, spec),
            lambda tx, case_id: self._case_view(tx, caller, case_id),
        )
        if (earlier := once.earlier()) is not None:
            return earlier
        form = submission.checked_form(kind, spec["form"])
        attachments = submission.checked_attachments(
            kind, spec["attachments"], self.documents.get_document, complete=True
        )

        def create(tx: Transaction) -> str:
            row = cases.submit(tx, caller, kind, spec, form, attachments, now())
            if spec["draft_id"]:
                drafts.discard(tx.session, caller, spec["draft_id"])
            return row.id

        return once.make(create)

    @rpc(roles=CITIZEN)
    def my_cases(self) -> list[dict[str, Any]]:
        caller = self.caller
        with self.db.transaction() as tx:
            return [
                cases.summary(self.types[row.application_type], row, now())
                for row in cases.mine(tx.session, caller)
            ]

    @rpc(roles=SIGNED_IN)
    def get_case(self, case_id: str) -> dict[str, Any]:
        caller = self.caller
        with self.db.transaction() as tx:
            return self._case_view(tx, caller, case_id)

    def _case_view(self, tx: Transaction, caller: Caller, case_id: str) -> dict[str, Any]:
        row = cases.visible(tx.session, caller, case_id, self._reach(caller))
        return cases.view(tx.session, self.types[row.application_type], row, caller)

    def _reach(self, caller: Caller) -> Reach:
        """The application types whose cases the caller works (their departments')."""
        return reach_of(caller, self.types.values())

    @rpc(roles=CITIZEN)
    def answer(self, case_id: str, answer: dict[str, Any]) -> dict[str, Any]:
        caller = self.caller
        data = load(Answer, answer)
        with self.db.transaction() as tx:
            row = cases.visible(tx.session, caller, case_id, self._reach(caller))
            kind = self.types[row.application_type]
        attachments = submission.checked_attachments(
            kind, data["attachments"], self.documents.get_document, complete=False
        )
        return self._move(case_id, "answer", text=data["text"], attachments=attachments)

    @rpc(roles=CITIZEN)
    def withdraw(self, case_id: str) -> dict[str, Any]:
        return self._move(case_id, "withdraw")

    # the clerk's work

    @rpc(roles=OFFICE)
    def worklist(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """A page of the cases the caller works: a clerk's departments', an admin's all."""
        caller = self.caller
        data = load(Worklist, query or {})
        with self.db.transaction() as tx:
            rows, cursor = cases.worklist(tx.session, data, now(), self._reach(caller))
            return {
                "cases": [
                    cases.summary(self.types[row.application_type], row, now(), office=True)
                    for row in rows
                ],
                "next_cursor": cursor,
            }

    @rpc(roles=OFFICE)
    def assign(self, case_id: str, assignment: dict[str, Any]) -> dict[str, Any]:
        caller = self.caller
        data = load(Assignment, assignment)
        with self.db.transaction() as tx:
            row = cases.visible(tx.session, caller, case_id, self._reach(caller), lock=True)
            cases.assign(tx, caller, row, data["assignee"], now())
            return cases.view(tx.session, self.types[row.application_type], row, caller)

    @rpc(roles=OFFICE)
    def add_note(
        self, case_id: str, note: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        caller = self.caller
        data = load(Text, note)
        once = Once(
            self.db.transaction,
            Keyed.of(caller.subject, "note", idempotency_key, {"case_id": case_id, **data}),
            lambda tx, note_id: cases.note_view(
                cases.find_note(tx.session, caller, note_id, self._reach(caller))
            ),
        )
        if (earlier := once.earlier()) is not None:
            return earlier

        def create(tx: Transaction) -> str:
            row = cases.visible(tx.session, caller, case_id, self._reach(caller))
            return str(cases.add_note(tx.session, caller, row, data["text"], now()).id)

        return once.make(create)

    @rpc(roles=OFFICE)
    def start_review(self, case_id: str) -> dict[str, Any]:
        return self._move(case_id, "start_review")

    @rpc(roles=OFFICE)
    def request_information(self, case_id: str, request: dict[str, Any]) -> dict[str, Any]:
        return self._move(case_id, "request_information", text=load(Text, request)["text"])

    @rpc(roles=OFFICE)
    def decide(self, case_id: str, decision: dict[str, Any]) -> dict[str, Any]:
        data = load(Decision, decision)
        return self._move(case_id, _decision_action(data), text=data["reason"])

    @rpc(roles=OFFICE)
    def preview_decision(self, case_id: str, decision: dict[str, Any]) -> dict[str, Any]:
        """The decision letter that deciding so now would issue, as a PDF (base64), while
        nothing is decided, issued or stored: refused as `decide` would refuse it."""
        caller = self.caller
        data = load(Decision, decision)
        with self.db.transaction() as tx:
            row = cases.visible(tx.session, caller, case_id, self._reach(caller))
            kind = self.types[row.application_type]
            facts = cases.decision_preview(
                kind, row, caller, _decision_action(data), data["reason"], now()
            )
        return self.documents.preview_decision_letter(facts)

    @rpc(roles=OFFICE)
    def complete(self, case_id: str) -> dict[str, Any]:
        return self._move(case_id, "complete")

    @rpc(roles=OFFICE)
    def reopen(self, case_id: str, reason: dict[str, Any]) -> dict[str, Any]:
        return self._move(case_id, "reopen", text=load(Text, reason)["text"])

    def _move(self, case_id: str, action: str, **details: Any) -> dict[str, Any]:
        caller = self.caller.require(*SIGNED_IN)
        with self.db.transaction() as tx:
            row = cases.visible(tx.session, caller, case_id, self._reach(caller), lock=True)
            kind = self.types[row.application_type]
            cases.move(tx, caller, kind, row, action, now(), **details)
            return cases.view(tx.session, kind, row, caller)
