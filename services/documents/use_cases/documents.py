"""Documents once stored: looked at, listed, linked, changed, filed into a case, held, and
read through a link; and the audit trail of all of it. The rules are in library.py and
access.py; each use case here opens the one transaction it needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common.clock import Clock
from services.common.context import Caller
from services.common.database import UnitOfWork
from services.documents import access, audit, library
from services.documents.models import BlobRow, DocumentRow, VersionRow
from services.documents.vault import Vault


@dataclass(frozen=True)
class DocumentOf:
    """One document, asked for by a caller."""

    caller: Caller
    document_id: str


def get_document(command: DocumentOf, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    """The document and its versions as the caller may see them; the view is audited."""
    with uow.transaction() as tx:
        return library.view(tx, command.caller, command.document_id, clock())


@dataclass(frozen=True)
class ListDocuments:
    caller: Caller
    filters: dict[str, Any]  # schemas.ListFilters, loaded


def list_documents(command: ListDocuments, uow: UnitOfWork) -> dict[str, Any]:
    with uow.transaction() as tx:
        return library.list_documents(tx, command.caller, command.filters)


@dataclass(frozen=True)
class AskForLink:
    """A download link to one version of a document (the current one when none is named)."""

    caller: Caller
    document_id: str
    version: int | None = None


def download_link(
    command: AskForLink, uow: UnitOfWork, clock: Clock, vault: Vault
) -> dict[str, Any]:
    with uow.transaction() as tx:
        return library.download_link(
            tx, vault, command.caller, command.document_id, command.version, clock()
        )


@dataclass(frozen=True)
class OpenDownload:
    """A download link followed: the token is all the reader shows."""

    token: str


def open_download(
    command: OpenDownload, uow: UnitOfWork, clock: Clock, vault: Vault
) -> tuple[DocumentRow, VersionRow, BlobRow]:
    """What the link grants, checked again now; the read is audited before a byte flows."""
    with uow.transaction() as tx:
        return library.open_download(tx, vault, command.token, clock())


@dataclass(frozen=True)
class UpdateDocument:
    caller: Caller
    document_id: str
    changes: dict[str, Any]  # schemas.DocumentChanges, loaded


def update_document(command: UpdateDocument, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    """Change title, status, confidentiality or language; each change is audited."""
    with uow.transaction() as tx:
        return library.update(tx, command.caller, command.document_id, command.changes, clock())


@dataclass(frozen=True)
class FileIntoCase:
    caller: Caller
    document_ids: list[str]
    case: dict[str, Any]  # schemas.CaseFiling, loaded


def file_into_case(command: FileIntoCase, uow: UnitOfWork, clock: Clock) -> list[dict]:
    """File documents into a case of the office's as final; the case's clerks read them."""
    caller = command.caller
    case = {
        **command.case,
        "case_department": access.department_to_file(caller, command.case["case_department"]),
    }
    with uow.transaction() as tx:
        return library.file_into_case(tx, caller, list(command.document_ids), case, clock())


@dataclass(frozen=True)
class SetLegalHold:
    caller: Caller
    document_id: str
    hold: bool
    reason: str


def set_legal_hold(command: SetLegalHold, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    """Hold a document past its retention (or release it); audited with the reason."""
    with uow.transaction() as tx:
        return library.set_legal_hold(
            tx, command.caller, command.document_id, command.hold, command.reason, clock()
        )


@dataclass(frozen=True)
class AuditQuery:
    filters: dict[str, Any]  # schemas.AuditFilters, loaded


def audit_trail(command: AuditQuery, uow: UnitOfWork) -> dict[str, Any]:
    with uow.transaction() as tx:
        return audit.query(tx, command.filters)
