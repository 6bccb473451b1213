"""Work on a case: the office reviews, asks, decides, completes and reopens; the citizen
answers and withdraws; the office assigns it and notes what the citizen never reads.

Every move writes the case, an entry of its append-only history and its events in one
transaction (the outbox sends them after the commit); a refused move writes and publishes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.applications import cases, payloads, records, submission, views, workflow
from services.applications.catalogue import ApplicationType
from services.applications.errors import NoOpenRequest
from services.applications.events import (
    APPLICATION_DECIDED,
    APPLICATION_INFORMATION_REQUESTED,
    APPLICATION_STATUS_CHANGED,
)
from services.applications.models import CaseRow
from services.applications.use_cases.ports import Documents, Types, reach
from services.common.clock import Clock
from services.common.context import Caller
from services.common.database import Transaction, UnitOfWork
from services.common.idempotency import Keyed, Once
from services.common.identity import SIGNED_IN

# a decision as the clerk states it -> the move that makes it
DECISION_ACTIONS = {"approved": "approve", "rejected": "reject"}


@dataclass(frozen=True)
class MoveCase:
    caller: Caller
    case_id: str
    action: str  # one of workflow.ACTIONS
    text: str | None = None  # the request, the reason to reopen


@dataclass(frozen=True)
class AnswerCase:
    caller: Caller
    case_id: str
    text: str
    attachments: list[dict[str, Any]] = field(default_factory=list)  # schemas.AttachmentRef


@dataclass(frozen=True)
class DecideCase:
    caller: Caller
    case_id: str
    decision: str  # approved or rejected
    reason: str

    @property
    def action(self) -> str:
        return DECISION_ACTIONS[self.decision]


@dataclass(frozen=True)
class AssignCase:
    caller: Caller
    case_id: str
    assignee: str | None  # None: nobody


@dataclass(frozen=True)
class AddNote:
    caller: Caller
    case_id: str
    text: str
    idempotency_key: str | None = None


def move_case(command: MoveCase, uow: UnitOfWork, clock: Clock, *, types: Types) -> dict[str, Any]:
    """The case moved by the action, as the caller sees it now."""
    return _move(command, uow, clock, types)


def decide_case(
    command: DecideCase, uow: UnitOfWork, clock: Clock, *, types: Types
) -> dict[str, Any]:
    """The case approved or rejected with the reason; its decision letter follows."""
    move = MoveCase(command.caller, command.case_id, command.action, command.reason)
    return _move(move, uow, clock, types)


def answer_case(
    command: AnswerCase, uow: UnitOfWork, clock: Clock, *, types: Types, documents: Documents
) -> dict[str, Any]:
    """The citizen's answer to the office's request, with documents of their own."""
    caller = command.caller
    with uow.transaction() as tx:
        row = cases.visible(tx.session, caller, command.case_id, reach(caller, types))
        kind = types[row.application_type]
    attachments = submission.checked_attachments(
        kind, command.attachments, documents.get_document, complete=False
    )
    move = MoveCase(caller, command.case_id, "answer", command.text)
    return _move(move, uow, clock, types, attachments)


def _move(
    command: MoveCase,
    uow: UnitOfWork,
    clock: Clock,
    types: Types,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    caller = command.caller.require(*SIGNED_IN)
    with uow.transaction() as tx:
        row = cases.visible(tx.session, caller, command.case_id, reach(caller, types), lock=True)
        kind = types[row.application_type]
        move(tx, caller, kind, row, command.action, clock(), command.text, attachments or [])
        return views.view(tx.session, kind, row, caller)


def move(
    tx: Transaction,
    caller: Caller,
    kind: ApplicationType,
    row: CaseRow,
    action: str,
    now: datetime,
    text: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> CaseRow:
    """Move the case and record it: its history, the documents answered, its events."""
    attachments = attachments or []
    if action == "answer" and not workflow.awaits_answer(row):
        raise NoOpenRequest("The office asked nothing that waits for an answer.", {})
    target = workflow.target_of(kind, row.status, action)
    before = row.status
    row.status = target
    row.closed = kind.statuses[target].final
    row.updated_at = now
    row.open_request = text if action == "request_information" else None
    for attachment in attachments:
        tx.session.merge(records.attachment(row.id, attachment, now))
    records.history(tx.session, row, caller, action, before, target, text, attachments, now)
    tx.publish(APPLICATION_STATUS_CHANGED, payloads.status_changed(kind, row))
    if action == "request_information":
        asked = payloads.information_requested(kind, row, text)
        tx.publish(APPLICATION_INFORMATION_REQUESTED, asked)
    if action in workflow.DECISIONS:
        tx.publish(APPLICATION_DECIDED, payloads.decided(kind, row, caller, target, text, now))
    return row


def preview_decision(
    command: DecideCase, uow: UnitOfWork, clock: Clock, *, types: Types, documents: Documents
) -> dict[str, Any]:
    """The decision letter that deciding so now would issue, while nothing is decided,
    issued or stored: refused as `decide_case` would refuse it."""
    caller = command.caller
    with uow.transaction() as tx:
        row = cases.visible(tx.session, caller, command.case_id, reach(caller, types))
        kind = types[row.application_type]
        decision = workflow.target_of(kind, row.status, command.action)
        facts = payloads.decided(kind, row, caller, decision, command.reason, clock())
    return documents.preview_decision_letter(facts)


def assign_case(
    command: AssignCase, uow: UnitOfWork, clock: Clock, *, types: Types
) -> dict[str, Any]:
    """The case assigned to a clerk (or to nobody); the same assignment again changes nothing
    but the history."""
    caller = command.caller
    with uow.transaction() as tx:
        row = cases.visible(tx.session, caller, command.case_id, reach(caller, types), lock=True)
        now = clock()
        row.assignee = command.assignee
        row.updated_at = now
        records.history(tx.session, row, caller, "assign", row.status, row.status, None, (), now)
        return views.view(tx.session, types[row.application_type], row, caller)


def add_note(command: AddNote, uow: UnitOfWork, clock: Clock, *, types: Types) -> dict[str, Any]:
    """An internal note on the case, for the office only; safe to send again with a key."""
    caller = command.caller
    once = Once(
        uow.transaction,
        Keyed.of(
            records.subject(caller),
            "note",
            command.idempotency_key,
            {"case_id": command.case_id, "text": command.text},
        ),
        lambda tx, note_id: views.note_view(
            cases.find_note(tx.session, caller, note_id, reach(caller, types))
        ),
    )
    if (earlier := once.earlier()) is not None:
        return earlier

    def create(tx: Transaction) -> str:
        row = cases.visible(tx.session, caller, command.case_id, reach(caller, types))
        return str(records.note(tx.session, caller, row, command.text, clock()).id)

    return once.make(create)
