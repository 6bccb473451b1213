"""The rows a change of a case writes beside the case: its history, attachments and notes.

A case's history is append-only: every change adds an entry, who made it and how the
status went.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from services.applications.models import CaseAttachmentRow, CaseRow, HistoryRow, NoteRow
from services.common.context import Caller


def subject(caller: Caller) -> str:
    """Who makes a change: the signed-in caller's subject; an anonymous caller is refused."""
    made_by = caller.require().subject
    assert made_by is not None  # require() refuses a caller without a subject
    return made_by


def attachment(case_id: str, facts: dict[str, Any], now: datetime) -> CaseAttachmentRow:
    return CaseAttachmentRow(
        case_id=case_id,
        document_id=facts["document_id"],
        purpose=facts["purpose"],
        sha256=facts["sha256"],
        media_type=facts["media_type"],
        added_at=now,
    )


def history(
    session: Session,
    row: CaseRow,
    caller: Caller,
    action: str,
    before: str | None,
    after: str | None,
    text: str | None,
    attachments: Iterable[dict[str, Any]],
    now: datetime,
) -> None:
    session.add(
        HistoryRow(
            case_id=row.id,
            at=now,
            actor=caller.subject,
            actor_role=caller.role,
            action=action,
            from_status=before,
            to_status=after,
            text=text,
            documents=[a["document_id"] for a in attachments],
        )
    )


def note(session: Session, caller: Caller, row: CaseRow, text: str, now: datetime) -> NoteRow:
    """An internal note on the case; the office reads it, the citizen never."""
    made = NoteRow(case_id=row.id, at=now, author=caller.subject, text=text)
    session.add(made)
    session.flush()
    return made
