"""Turning stored content into a document or a new version of one, with its events and audit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.common.context import Caller
from services.common.database import Transaction, insert_ignoring_duplicates
from services.documents.audit import record
from services.documents.kinds import DocumentType
from services.documents.models import BlobRow, DocumentRow, VersionRow


@dataclass(frozen=True)
class Content:
    """A content sealed in the store under `address`, and what it is."""

    sha256: str
    address: str
    size: int
    part_sizes: list[int]
    wrapped_key: bytes
    media_type: str
    filename: str | None
    scanner: str


@dataclass(frozen=True)
class Description:
    """What a new document is, besides its content."""

    document_type: DocumentType
    title: str
    language: str
    confidentiality: str
    status: str
    owner: str | None
    case_id: str | None = None
    case_role: str | None = None
    case_department: str | None = None
    appointment_id: str | None = None
    feedback_id: str | None = None


def keep_blob(tx: Transaction, content: Content, now: datetime) -> bool:
    """Record the blob; False when the same content was stored already (then it is shared)."""
    row = {
        "sha256": content.sha256,
        "address": content.address,
        "size": content.size,
        "part_sizes": content.part_sizes,
        "wrapped_key": content.wrapped_key,
        "created_at": now,
    }
    inserted = tx.session.execute(insert_ignoring_duplicates(tx.session, BlobRow.__table__), row)
    return inserted.rowcount == 1


def new_document(
    tx: Transaction, caller: Caller, description: Description, content: Content, now: datetime
) -> DocumentRow:
    document = DocumentRow(
        id=str(uuid.uuid4()),
        document_type=description.document_type.key,
        title=description.title,
        language=description.language,
        confidentiality=description.confidentiality,
        status=description.status,
        owner=description.owner,
        author=caller.subject,
        case_id=description.case_id,
        case_role=description.case_role,
        case_department=description.case_department,
        appointment_id=description.appointment_id,
        feedback_id=description.feedback_id,
        current_version=1,
        legal_hold=False,
        retain_until=now + description.document_type.retention,
        created_at=now,
        modified_at=now,
    )
    tx.session.add(document)
    tx.session.add(_version(document.id, 1, caller, content, now))
    tx.session.flush()
    record(tx, caller, "create", document.id, 1, None, {"size": content.size}, now)
    return document


def add_version(
    tx: Transaction, caller: Caller, document: DocumentRow, content: Content, now: datetime
) -> int:
    number = document.current_version + 1
    tx.session.add(_version(document.id, number, caller, content, now))
    document.current_version = number
    document.modified_at = now
    tx.session.flush()
    record(tx, caller, "add_version", document.id, number, None, {"size": content.size}, now)
    return number


def _version(
    document_id: str, number: int, caller: Caller, content: Content, now: datetime
) -> VersionRow:
    return VersionRow(
        document_id=document_id,
        number=number,
        sha256=content.sha256,
        size=content.size,
        media_type=content.media_type,
        filename=content.filename,
        author=caller.subject,
        scanner=content.scanner,
        created_at=now,
    )


def version_facts(document: DocumentRow, version: VersionRow) -> dict[str, Any]:
    """The payload of document_stored and document_version_added."""
    return {
        "document_id": document.id,
        "version": version.number,
        "document_type": document.document_type,
        "media_type": version.media_type,
        "size": version.size,
        "sha256": version.sha256,
        "owner": document.owner,
        "case_id": document.case_id,
        "appointment_id": document.appointment_id,
        "feedback_id": document.feedback_id,
    }
