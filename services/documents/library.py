"""Documents once stored: looked at, listed, changed, filed, held, and read through links."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.common.context import Caller
from services.common.database import Transaction
from services.common.errors import Forbidden, InvalidInput
from services.documents import access
from services.documents.audit import record
from services.documents.errors import (
    DocumentArchived,
    DocumentErased,
    DocumentNotFound,
    UnknownVersion,
)
from services.documents.lifecycle import check_status_change
from services.documents.links import DownloadGrant, read_link, sign_link
from services.documents.models import BlobRow, DocumentRow, VersionRow
from services.documents.uploads import holding_of
from services.documents.vault import Vault

DOWNLOAD_PATH = "/api/v1/documents/download/"
MAX_PAGE = 200


def readable(
    tx: Transaction, caller: Caller, document_id: str, *, lock: bool = False
) -> DocumentRow:
    """The document, if the caller may read it; an erased one answers with its tombstone."""
    document = tx.session.get(DocumentRow, document_id, with_for_update=lock)
    if document is None:
        raise DocumentNotFound("There is no such document.", {"document_id": document_id})
    access.may_read(caller, holding_of(document))
    return document


def living(tx: Transaction, caller: Caller, document_id: str) -> DocumentRow:
    document = readable(tx, caller, document_id, lock=True)
    if document.status == "erased":
        raise DocumentErased(
            "The document was erased at the end of its retention period.",
            {"document_id": document_id, "erased_at": document.erased_at.isoformat()},
        )
    return document


def versions_of(tx: Transaction, document_id: str) -> list[VersionRow]:
    return list(
        tx.session.execute(
            select(VersionRow)
            .where(VersionRow.document_id == document_id)
            .order_by(VersionRow.number)
        ).scalars()
    )


def describe_document(
    tx: Transaction,
    document: DocumentRow,
    *,
    with_versions: bool = True,
    viewer: Caller | None = None,
) -> dict:
    """A document as `viewer` may see it: a citizen is never shown another's account id (the
    clerk who filed or wrote it), only whether they are the author themselves."""
    author = _author_for(viewer)
    answer = {
        "document_id": document.id,
        "document_type": document.document_type,
        "title": document.title,
        "language": document.language,
        "confidentiality": document.confidentiality,
        "status": document.status,
        "owner": document.owner,
        "author": author(document.author),
        "case_id": document.case_id,
        "appointment_id": document.appointment_id,
        "feedback_id": document.feedback_id,
        "current_version": document.current_version,
        "legal_hold": document.legal_hold,
        "retain_until": document.retain_until.isoformat(),
        "created_at": document.created_at.isoformat(),
        "modified_at": document.modified_at.isoformat(),
        "erased_at": document.erased_at.isoformat() if document.erased_at else None,
    }
    if with_versions:
        answer["versions"] = [
            {
                "number": version.number,
                "current": version.number == document.current_version,
                "size": version.size,
                "sha256": version.sha256,
                "media_type": version.media_type,
                "filename": version.filename,
                "author": author(version.author),
                "scanner": version.scanner,
                "created_at": version.created_at.isoformat(),
            }
            for version in versions_of(tx, document.id)
        ]
    return answer


def _author_for(viewer: Caller | None):
    if viewer is None or viewer.role != "citizen":
        return lambda author: author
    return lambda author: author if author == viewer.subject else None


def view(tx: Transaction, caller: Caller, document_id: str, now: datetime) -> dict[str, Any]:
    document = readable(tx, caller, document_id)
    record(tx, caller, "view", document.id, None, None, {}, now)
    return describe_document(tx, document, viewer=caller)


def list_documents(tx: Transaction, caller: Caller, filters: dict[str, Any]) -> dict[str, Any]:
    """A citizen's own documents; a clerk's, those of one case of their departments; an
    admin's, any filter."""
    statement = select(DocumentRow).order_by(DocumentRow.created_at.desc(), DocumentRow.id)
    if caller.role == "citizen":
        statement = statement.where(DocumentRow.owner == caller.subject)
    elif caller.role != "admin":
        if not filters.get("case_id"):
            raise InvalidInput("Name the case whose documents to list.", {"case_id": ["Required."]})
        statement = statement.where(
            DocumentRow.case_role == caller.role,
            DocumentRow.case_department.in_(caller.departments),
        )
    for name in ("case_id", "status", "document_type", "appointment_id", "feedback_id"):
        if filters.get(name):
            statement = statement.where(getattr(DocumentRow, name) == filters[name])
    if filters.get("owner") and caller.role != "citizen":
        statement = statement.where(DocumentRow.owner == filters["owner"])
    limit = min(int(filters.get("limit") or 50), MAX_PAGE)
    rows = tx.session.execute(
        statement.offset(int(filters.get("offset") or 0)).limit(limit)
    ).scalars()
    documents = [describe_document(tx, row, with_versions=False, viewer=caller) for row in rows]
    return {"documents": documents, "count": len(documents)}


def update(
    tx: Transaction, caller: Caller, document_id: str, changes: dict[str, Any], now: datetime
) -> dict[str, Any]:
    document = living(tx, caller, document_id)
    if document.status == "archived":
        raise DocumentArchived(
            "An archived document takes no changes.", {"document_id": document_id}
        )
    changed = {}
    if "status" in changes:
        check_status_change(document.status, changes["status"], office=access.is_office(caller))
    for name in ("title", "status", "confidentiality", "language"):
        if name in changes and getattr(document, name) != changes[name]:
            changed[name] = {"from": getattr(document, name), "to": changes[name]}
            setattr(document, name, changes[name])
    if changed:
        document.modified_at = now
        record(tx, caller, "update", document.id, None, changes.get("reason"), changed, now)
    return describe_document(tx, document, viewer=caller)


def file_into_case(
    tx: Transaction, caller: Caller, document_ids: list[str], case: dict[str, Any], now: datetime
) -> list[dict[str, Any]]:
    """File documents into a case as final: from then on the case's clerks may read them.

    The office files (or the applications service acting on a citizen's submission, which
    passes the citizen as `owner`: only their own documents are filed)."""
    filed = []
    for document_id in document_ids:
        document = tx.session.get(DocumentRow, document_id, with_for_update=True)
        for_citizen = case.get("owner")
        if document is None or (for_citizen and not access.owns(for_citizen, document.owner)):
            raise DocumentNotFound("There is no such document.", {"document_id": document_id})
        if document.status == "erased":
            raise DocumentErased("The document was erased.", {"document_id": document_id})
        if document.case_id and document.case_id != case["case_id"]:
            raise Forbidden("The document is filed in another case.", {"document_id": document_id})
        document.case_id = case["case_id"]
        document.case_role = case.get("case_role") or "clerk"
        document.case_department = case.get("case_department")
        if document.status == "draft":
            document.status = "final"
        document.modified_at = now
        record(
            tx,
            caller,
            "file",
            document.id,
            None,
            case.get("reason"),
            {"case_id": case["case_id"], "case_department": case.get("case_department")},
            now,
        )
        filed.append(describe_document(tx, document))
    return filed


def set_legal_hold(
    tx: Transaction, caller: Caller, document_id: str, hold: bool, reason: str, now: datetime
) -> dict[str, Any]:
    document = living(tx, caller, document_id)
    if document.legal_hold != hold:
        document.legal_hold = hold
        document.modified_at = now
        record(
            tx, caller, "legal_hold" if hold else "release_hold", document.id, None, reason, {}, now
        )
    return describe_document(tx, document, viewer=caller)


def download_link(
    tx: Transaction,
    vault: Vault,
    caller: Caller,
    document_id: str,
    version: int | None,
    now: datetime,
) -> dict[str, Any]:
    document = living(tx, caller, document_id)
    number = version or document.current_version
    if tx.session.get(VersionRow, (document.id, number)) is None:
        raise UnknownVersion(f"The document has no version {number}.", {"version": number})
    expires_at = now + timedelta(seconds=vault.settings.download_link_seconds)
    grant = DownloadGrant(
        document.id, number, caller.subject, caller.role, expires_at, caller.departments
    )
    record(
        tx, caller, "link", document.id, number, None, {"expires_at": expires_at.isoformat()}, now
    )
    return {
        "url": DOWNLOAD_PATH + sign_link(vault.link_key, grant),
        "version": number,
        "expires_at": expires_at.isoformat(),
    }


def open_download(
    tx: Transaction, vault: Vault, token: str, now: datetime
) -> tuple[DocumentRow, VersionRow, BlobRow]:
    """What a link grants, checked again now (the document may be erased meanwhile)."""
    grant = read_link(vault.link_key, token, now)
    reader = Caller(
        subject=grant.reader, role=grant.reader_role, departments=grant.reader_departments
    )
    document = living(tx, reader, grant.document_id)
    version = tx.session.get(VersionRow, (document.id, grant.version))
    if version is None:
        raise UnknownVersion("The document has no such version.", {"version": grant.version})
    blob = tx.session.get(BlobRow, version.sha256)
    record(tx, reader, "read", document.id, version.number, None, {"size": version.size}, now)
    return document, version, blob
