"""An application's case, the documents' side: which attachments may be filed, and what
the receipt and the decision letter say; a report's photos, filed under the report for the
office to see. The use cases that act on the events are in use_cases/casework.py.

Driven by the applications and feedback services' events (at-least-once). Each letter is
rendered and sealed before the transaction, as the `generate_letter` RPC does; the filing
and the letter then commit with the event's inbox row, so a redelivered event files
nothing again and makes no second letter. Only the applicant's (or author's) own documents
are filed: any other is left where it is, recorded in the audit trail and missing from the
receipt, and the rest of the event goes through.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.applications.events import APPLICATION_DECIDED
from services.common.context import Caller
from services.common.database import Transaction
from services.common.errors import InvalidInput
from services.common.events import InvalidEvent
from services.common.logging import get_logger
from services.documents import access
from services.documents.audit import record
from services.documents.models import DocumentRow

log = get_logger(__name__)

# the platform acting on the applications or feedback service's word; what the audit
# trail names
PLATFORM = Caller(subject="applications", role="service")
FEEDBACK = Caller(subject="feedback", role="service")
CASE_ROLE = "clerk"
REFUSALS = {
    "unknown": "There is no such document.",
    "not_owned": "The document is not the applicant's (or the report's author's).",
    "erased": "The document was erased.",
    "other_case": "The document is filed in another case.",
}


class AttachmentsChanged(Exception):
    """An attachment changed between writing the receipt and filing it; the event is retried
    and the receipt written anew."""


def sort_attachments(
    tx: Transaction, facts: Mapping[str, Any], document_ids: list[str], *, lock: bool = False
) -> tuple[list[str], dict[str, str]]:
    """The attachments that may be filed, in order, and why each other one may not."""
    fileable, refused = [], {}
    for document_id in document_ids:
        document = tx.session.get(DocumentRow, document_id, with_for_update=lock)
        refusal = refusal_of(document, facts["citizen"], str(facts["case_id"]))
        if refusal is None:
            fileable.append(document_id)
        else:
            refused[document_id] = refusal
    return fileable, refused


def refusal_of(document: DocumentRow | None, citizen: str | None, case_id: str) -> str | None:
    """Why the document may not be filed into the applicant's case (library.file_into_case
    refuses the same, but all at once)."""
    if document is None:
        return "unknown"
    if not access.owns(citizen, document.owner):
        return "not_owned"
    if document.status == "erased":
        return "erased"
    if document.case_id and document.case_id != case_id:
        return "other_case"
    return None


def refuse(
    tx: Transaction,
    facts: Mapping[str, Any],
    document_id: str,
    refusal: str,
    now: datetime,
    caller: Caller = PLATFORM,
) -> None:
    case_id = str(facts["case_id"])
    details = {"case_id": case_id, "refusal": refusal, "applicant": facts["citizen"]}
    record(tx, caller, "file_refused", document_id, None, REFUSALS[refusal], details, now)
    log.warning("attachment_not_filed", document_id=document_id, case_id=case_id, refusal=refusal)


def receipt_request(facts: Mapping[str, Any], titles: list[str]) -> dict[str, Any]:
    fee_cents = facts["fee_cents"]
    values = {
        "case_number": facts["case_number"],
        "application_title": facts["type_name"],
        "recipient_name": facts["recipient_name"],
        "submitted_at": facts["submitted_at"],
        # euros; the letter formats them for its language. No fee, no paragraph about it
        "fee": f"{Decimal(fee_cents) / 100:.2f}" if fee_cents else None,
        "attachments": titles,
        "processing_days": facts["processing_days"],
    }
    return _letter("receipt", facts, values)


def decided_facts(payload: dict[str, Any]) -> dict[str, Any]:
    """An `application_decided` payload as its contract reads it; refused when it breaks it."""
    try:
        return APPLICATION_DECIDED.validate(payload)
    except InvalidEvent as broken:
        details = {"decision": [str(broken)]}
        raise InvalidInput("These are not the facts of a decision.", details) from None


def decision_request(facts: Mapping[str, Any]) -> dict[str, Any]:
    values = {
        "case_number": facts["case_number"],
        "application_title": facts["type_name"],
        "recipient_name": facts["recipient_name"],
        "decision": facts["decision"],
        "reason": facts["reason"],
        "decided_at": facts["decided_at"],
        # the clerk's name or none (the office signs): an account id is no signature
        "clerk_name": facts.get("clerk_name"),
    }
    return _letter("decision", facts, values)


def _letter(kind: str, facts: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": kind,
        "language": facts["language"],
        "values": values,
        "owner": facts["citizen"],
        "case_id": str(facts["case_id"]),
        "case_role": CASE_ROLE,
        "case_department": facts.get("department"),
    }
