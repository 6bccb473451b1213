"""What this service's events say of a case: the payloads of its contracts (events.py).

Built from the case's row and its type, so that every event of a case names it the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.applications.catalogue import ApplicationType
from services.applications.models import CaseRow
from services.common.context import Caller


def facts(kind: ApplicationType, row: CaseRow) -> dict[str, Any]:
    """What every event of a case carries (events.CaseFacts)."""
    return {
        "case_id": row.id,
        "case_number": row.number,
        "application_type": kind.key,
        "department": kind.department,
        "type_name": kind.name(row.language),
        "citizen": row.citizen,
        "email": row.contact.get("email"),
        "language": row.language,
    }


def submitted(
    kind: ApplicationType, row: CaseRow, attachments: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    """`application_submitted`: the receipt's facts and the documents to file into the case."""
    return {
        **facts(kind, row),
        "processing_days": kind.processing_days,
        "submitted_at": now.isoformat(),
        "recipient_name": row.contact["name"],
        "fee_cents": kind.fee_cents,
        "attachments": [
            {"document_id": a["document_id"], "purpose": a["purpose"], "title": a["title"]}
            for a in attachments
        ],
    }


def status_changed(kind: ApplicationType, row: CaseRow) -> dict[str, Any]:
    """`application_status_changed`: the new status, whether the citizen hears of it and
    whether it closes the case."""
    status = kind.statuses[row.status]
    return {
        **facts(kind, row),
        "status": row.status,
        "status_text": status.texts[row.language],
        "inform_citizen": status.inform,
        "closed": status.final,
    }


def information_requested(
    kind: ApplicationType, row: CaseRow, question: str | None
) -> dict[str, Any]:
    return {**facts(kind, row), "question": question}


def decided(
    kind: ApplicationType,
    row: CaseRow,
    caller: Caller,
    decision: str,
    reason: str | None,
    now: datetime,
) -> dict[str, Any]:
    """What `application_decided` says: the documents service writes the letter from it."""
    return {
        **facts(kind, row),
        "decision": decision,
        "reason": reason,
        "decided_at": now.isoformat(),
        "recipient_name": row.contact["name"],
        "clerk": caller.subject,
        "clerk_name": caller.name,
    }
