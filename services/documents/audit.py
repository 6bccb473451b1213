"""The audit trail: every read and every change of a document, by whom, when and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from services.common.context import Caller
from services.common.database import Transaction
from services.documents.models import AuditRow

MAX_PAGE = 500


def record(
    tx: Transaction,
    caller: Caller,
    action: str,
    document_id: str | None,
    version: int | None,
    reason: str | None,
    details: dict[str, Any],
    now: datetime,
) -> None:
    tx.session.add(
        AuditRow(
            at=now,
            actor=caller.subject,
            actor_role=caller.role,
            action=action,
            document_id=document_id,
            version=version,
            reason=reason,
            details=details,
        )
    )


def query(tx: Transaction, filters: dict[str, Any]) -> dict[str, Any]:
    """Entries newest first, filtered by document, actor, action and time; `before` pages on."""
    statement = select(AuditRow).order_by(AuditRow.id.desc())
    for name, column in (
        ("document_id", AuditRow.document_id),
        ("actor", AuditRow.actor),
        ("action", AuditRow.action),
    ):
        if filters.get(name):
            statement = statement.where(column == filters[name])
    if filters.get("since"):
        statement = statement.where(AuditRow.at >= filters["since"])
    if filters.get("until"):
        statement = statement.where(AuditRow.at < filters["until"])
    if filters.get("before"):
        statement = statement.where(AuditRow.id < filters["before"])
    limit = min(int(filters.get("limit") or 100), MAX_PAGE)
    rows = tx.session.execute(statement.limit(limit)).scalars().all()
    entries = [
        {
            "id": row.id,
            "at": row.at.isoformat(),
            "actor": row.actor,
            "actor_role": row.actor_role,
            "action": row.action,
            "document_id": row.document_id,
            "version": row.version,
            "reason": row.reason,
            "details": row.details,
        }
        for row in rows
    ]
    return {"entries": entries, "next_before": rows[-1].id if len(rows) == limit else None}
