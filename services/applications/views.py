"""A case as its reader may see it: the citizen their own, the office with its notes and
who works it; a line of a list; a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.applications import workflow
from services.applications.catalogue import ApplicationType
from services.applications.models import CaseAttachmentRow, CaseRow, HistoryRow, NoteRow
from services.applications.notices import CITIZEN_CHANNELS, NOTICES, SENT, channel_of
from services.common.context import Caller
from services.common.identity import OFFICE

# the office's own business: who works the case
OFFICE_ONLY = ("assign",)


def view(session: Session, kind: ApplicationType, row: CaseRow, caller: Caller) -> dict[str, Any]:
    """The case as the caller may see it: internal notes and the assignee for the office only."""
    language = row.language
    history = session.scalars(
        select(HistoryRow).where(HistoryRow.case_id == row.id).order_by(HistoryRow.id)
    ).all()
    attachments = session.scalars(
        select(CaseAttachmentRow).where(CaseAttachmentRow.case_id == row.id)
    ).all()
    answer = {
        "case_id": row.id,
        "case_number": row.number,
        "application_type": kind.key,
        "type_name": kind.name(language),
        "status": row.status,
        "status_text": kind.statuses[row.status].texts[language],
        "closed": row.closed,
        "open_request": row.open_request,
        "submitted_at": row.submitted_at.isoformat(),
        "due_at": row.due_at.isoformat(),
        "form": row.form,
        "contact": row.contact,
        "submission": row.submission,
        "attachments": [
            {
                "document_id": a.document_id,
                "purpose": a.purpose,
                "sha256": a.sha256,
                "media_type": a.media_type,
            }
            for a in attachments
        ],
        "history": (
            [{**entry_view(entry), "actor": entry.actor} for entry in history]
            if caller.role in OFFICE
            else citizen_history(list(history))
        ),
        "allowed_actions": actions_for(kind, row, caller),
    }
    if caller.role in OFFICE:
        notes = session.scalars(
            select(NoteRow).where(NoteRow.case_id == row.id).order_by(NoteRow.id)
        ).all()
        answer["assignee"] = row.assignee
        answer["notes"] = [note_view(n) for n in notes]
    return answer


def actions_for(kind: ApplicationType, row: CaseRow, caller: Caller) -> list[str]:
    """What the caller may do with the case now: the office its moves, the citizen their own
    (answering only while the office waits for an answer)."""
    if caller.role in OFFICE:
        return workflow.allowed_actions(kind, row.status, workflow.OFFICE_ACTIONS)
    return [
        action
        for action in workflow.allowed_actions(kind, row.status, workflow.CITIZEN_ACTIONS)
        if action != "answer" or workflow.awaits_answer(row)
    ]


def note_view(note: NoteRow) -> dict[str, Any]:
    return {"note_id": note.id, "at": note.at.isoformat(), "author": note.author, "text": note.text}


def entry_view(entry: HistoryRow) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "action": entry.action,
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "text": entry.text,
        "documents": entry.documents,
    }


@dataclass
class _Step:
    """A step of the case as the citizen follows it, with how they were told of it."""

    entry: HistoryRow
    told: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)

    def view(self) -> dict[str, Any]:
        return {
            **entry_view(self.entry),
            "notified_by": [channel for channel in CITIZEN_CHANNELS if channel in self.told],
            # a message failed on a channel, and no other message told them on it since
            "notice_failed": bool(self.failed - self.told),
        }


def citizen_history(history: list[HistoryRow]) -> list[dict[str, Any]]:
    """One entry per step (submitted, reviewed, asked, answered, decided, ...); each message
    about a step folded into it as the channel that told the citizen, or failed to."""
    steps: list[_Step] = []
    for entry in history:
        if entry.action in NOTICES:
            step = _step_told(steps, entry.to_status)
            if step is not None:
                told = step.told if entry.action == SENT else step.failed
                told.add(channel_of(entry.text))
        elif entry.action not in OFFICE_ONLY:
            steps.append(_Step(entry))
    return [step.view() for step in steps]


def _step_told(steps: list[_Step], status: str | None) -> _Step | None:
    """The latest step into the status a message told of (the latest step, for a message
    recorded before the status was noted with it)."""
    for step in reversed(steps):
        if step.entry.to_status == status:
            return step
    return steps[-1] if steps else None


def summary(
    kind: ApplicationType, row: CaseRow, now: datetime, *, office: bool = False
) -> dict[str, Any]:
    """A line of a list; who works the case is the office's business."""
    answer = {
        "case_id": row.id,
        "case_number": row.number,
        "application_type": row.application_type,
        "type_name": kind.name(row.language),
        "status": row.status,
        "status_text": kind.statuses[row.status].texts[row.language],
        "submitted_at": row.submitted_at.isoformat(),
        "due_at": row.due_at.isoformat(),
        "overdue": not row.closed and row.due_at < now,
    }
    if office:
        answer["assignee"] = row.assignee
    return answer
