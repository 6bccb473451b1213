"""Drafts: a citizen saves an application half done and resumes it later, on any device."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from services.applications import records
from services.applications.errors import DraftNotFound
from services.applications.models import DraftRow
from services.common.context import Caller


def save(
    session: Session, caller: Caller, draft_id: str | None, data: dict[str, Any], now: datetime
) -> dict[str, Any]:
    row = find(session, caller, draft_id) if draft_id else DraftRow(id=str(uuid.uuid4()))
    row.citizen = records.subject(caller)
    row.application_type = data["application_type"]
    row.form = data["form"]
    row.attachments = [
        {"document_id": str(a["document_id"]), "purpose": a["purpose"]} for a in data["attachments"]
    ]
    row.contact = data["contact"]
    row.updated_at = now
    session.add(row)
    session.flush()
    return view(row)


def find(session: Session, caller: Caller, draft_id: str) -> DraftRow:
    row = session.get(DraftRow, str(draft_id))
    if row is None or row.citizen != caller.subject:
        raise DraftNotFound("There is no such draft of yours.", {"draft_id": str(draft_id)})
    return row


def mine(session: Session, caller: Caller) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(DraftRow).where(DraftRow.citizen == caller.subject).order_by(DraftRow.updated_at)
    )
    return [view(row) for row in rows]


def discard(session: Session, caller: Caller, draft_id: str) -> None:
    session.execute(
        delete(DraftRow).where(DraftRow.id == str(draft_id), DraftRow.citizen == caller.subject)
    )


def view(row: DraftRow) -> dict[str, Any]:
    return {
        "draft_id": row.id,
        "application_type": row.application_type,
        "form": row.form,
        "attachments": row.attachments,
        "contact": row.contact,
        "updated_at": row.updated_at.isoformat(),
    }
