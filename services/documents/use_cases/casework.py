"""The applications' and feedback's events, acted on: attachments filed, letters issued,
report photos filed. The rules (who may be filed, what a letter says) are in
services/documents/casework.py; each use case here opens its transactions, with the
event's inbox row, so a redelivered event does nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.common.clock import Clock
from services.common.database import EventAlreadyHandled, Transaction, UnitOfWork
from services.common.events import Event
from services.documents import generation, library
from services.documents.casework import (
    CASE_ROLE,
    FEEDBACK,
    PLATFORM,
    AttachmentsChanged,
    decision_request,
    receipt_request,
    refuse,
    sort_attachments,
)
from services.documents.vault import Vault


@dataclass(frozen=True)
class ApplicationSubmitted:
    event: Event


@dataclass(frozen=True)
class ApplicationDecided:
    event: Event


@dataclass(frozen=True)
class ReportSubmitted:
    event: Event


def application_submitted(
    command: ApplicationSubmitted, uow: UnitOfWork, clock: Clock, vault: Vault
) -> None:
    """File the applicant's attachments into the case as final; issue the receipt."""
    event, now = command.event, clock()
    facts = event.payload
    titles = {str(item["document_id"]): item["title"] for item in facts["attachments"]}
    with uow.transaction() as tx:
        fileable, _ = sort_attachments(tx, facts, list(titles))
    request = receipt_request(facts, [titles[document_id] for document_id in fileable])

    def file_attachments(tx: Transaction) -> None:
        filed, refused = sort_attachments(tx, facts, list(titles), lock=True)
        if filed != fileable:
            raise AttachmentsChanged(f"fileable were {fileable}, now {filed}")
        for document_id, refusal in refused.items():
            refuse(tx, facts, document_id, refusal, now)
        case = {
            "case_id": str(facts["case_id"]),
            "case_role": CASE_ROLE,
            "case_department": facts.get("department"),
            "owner": facts["citizen"],
            "reason": f"Application {facts['case_number']} submitted.",
        }
        library.file_into_case(tx, PLATFORM, filed, case, now)

    _issue(uow, vault, event, request, now, before=file_attachments)


def report_submitted(command: ReportSubmitted, uow: UnitOfWork, clock: Clock) -> None:
    """File a report's photos under the report (its id as the case) for its clerks to see.

    Only the author's own photos are filed; others are refused into the audit trail."""
    event, now = command.event, clock()
    facts = {
        "citizen": event.payload["author"],
        "case_id": str(event.payload["item_id"]),
        "department": event.payload["department"],
    }
    photos = [str(photo) for photo in event.payload["photos"]]
    with uow.transaction(handling=event) as tx:
        filed, refused = sort_attachments(tx, facts, photos, lock=True)
        for document_id, refusal in refused.items():
            refuse(tx, facts, document_id, refusal, now, caller=FEEDBACK)
        case = {
            "case_id": facts["case_id"],
            "case_role": CASE_ROLE,
            "case_department": facts["department"],
            "owner": facts["citizen"],
            "reason": f"Photo of report {facts['case_id']}.",
        }
        library.file_into_case(tx, FEEDBACK, filed, case, now)


def application_decided(
    command: ApplicationDecided, uow: UnitOfWork, clock: Clock, vault: Vault
) -> None:
    """Issue the decision letter to the applicant and file it into the case."""
    event = command.event
    _issue(uow, vault, event, decision_request(event.payload), clock())


def _issue(
    uow: UnitOfWork,
    vault: Vault,
    event: Event,
    request: dict[str, Any],
    now: datetime,
    before: Callable[[Transaction], None] | None = None,
) -> None:
    pdf, title = generation.render(vault, request)
    content = generation.seal_letter(vault, pdf)
    try:
        with uow.transaction(handling=event) as tx:
            if before is not None:
                before(tx)
            # last: it moves the sealed letter into place, which a rollback would not undo
            generation.file_letter(tx, vault, PLATFORM, request, title, content, now)
    except EventAlreadyHandled:
        # the first delivery committed (and moved its copy away): this copy is not needed
        vault.store.delete_prefix(f"staging/letter-{content.address}")
        raise
