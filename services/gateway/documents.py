"""The document routes: uploads in parts, the case file, download links, retention, audit.

Bodies and answers are the documents service's own schemas (services/documents/schemas.py,
here `contract`); the gateway adds only a query's form and the lists it wraps an answer in.
Metadata goes over RPC; content streams to and from the documents service's data plane
(services/gateway/streaming.py), never over RabbitMQ. A download link is a short-lived
capability: the URL itself grants one reader one version for DOCUMENTS.download_link_seconds.
"""

from __future__ import annotations

from typing import Any

from services.common.context import ROLES
from services.common.errors import Forbidden, LengthRequired
from services.common.identity import ADMIN, OFFICE
from services.common.rpc import RemoteService
from services.common.transitions import IllegalTransition
from services.documents import errors as failures
from services.documents import schemas as contract
from services.gateway import document_schemas as schemas
from services.gateway.errors import BadRequest
from services.gateway.http import api
from services.gateway.idempotency import idempotency_key, keyed_api
from services.gateway.settings import GatewaySettings
from services.gateway.streaming import BINARY, stream

PREFIX = "/api/v1/documents"
_SESSION_ERRORS = (failures.UploadNotFound, failures.UploadClosed)
_DOCUMENT_ERRORS = (failures.DocumentNotFound, failures.DocumentErased)
_PART_HASH = {
    "in": "header",
    "name": "X-Content-SHA256",
    "required": True,
    "schema": {"type": "string"},
    "description": "the part's SHA-256, hex",
}


def data_plane(settings: GatewaySettings) -> str:
    return settings.documents_url


class DocumentRoutes:
    documents = RemoteService("documents")

    @api("GET", f"{PREFIX}/types", response=schemas.DocumentTypeList)
    def document_types(self, request) -> dict[str, Any]:
        """The document types: the content each takes (checked in the bytes), its size limit
        and how long it is kept."""
        return {"document_types": self.documents.document_types()}

    @keyed_api(
        "POST",
        f"{PREFIX}/uploads",
        roles=ROLES,
        body=contract.UploadInput,
        response=contract.UploadSession,
        responses={201: "The upload session: send its parts, then complete it."},
        errors=(
            failures.UnknownDocumentType,
            failures.DocumentTooLarge,
            failures.MediaTypeNotAllowed,
            *_DOCUMENT_ERRORS,
            failures.DocumentArchived,
        ),
    )
    def start_upload(self, request, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Announce an upload: its type, size and SHA-256; to add a version, its document.

        A content of any size (64-bit) is sent in parts of `part_size` bytes; a small one in
        a single part. A size or declared type the document type does not allow is refused
        here, before any byte is sent. A session idle for DOCUMENTS.upload_idle_minutes (30)
        is abandoned and its parts removed; `expires_at` says when, and each part moves it.
        """
        return 201, self.documents.start_upload(body, idempotency_key=idempotency_key(request))

    @api(
        "GET",
        f"{PREFIX}/uploads/<upload_id>",
        roles=ROLES,
        response=contract.UploadSession,
        errors=(failures.UploadNotFound,),
    )
    def upload_status(self, request, upload_id: str) -> dict[str, Any]:
        """Which parts arrived and which are missing: resume a broken upload from here."""
        return self.documents.upload_status(upload_id)

    @api(
        "DELETE",
        f"{PREFIX}/uploads/<upload_id>",
        roles=ROLES,
        responses={204: "Aborted; every part sent is removed."},
        errors=_SESSION_ERRORS,
    )
    def abort_upload(self, request, upload_id: str) -> tuple[int, None]:
        """Abort an upload: nothing of it is kept.

        Safe to retry: an aborted upload is closed, and aborting it again is refused (409
        `upload_closed`) and changes nothing.
        """
        self.documents.abort_upload(upload_id)
        return 204, None

    @stream(
        "PUT",
        f"{PREFIX}/uploads/<upload_id>/parts/<int:number>",
        roles=ROLES,
        upstream=data_plane,
        path="/uploads/{upload_id}/parts/{number}",
        request_content=BINARY,
        response=contract.ReceivedPart,
        headers=(_PART_HASH,),
        responses={200: "The part arrived whole and is kept (sealed) until completion."},
        errors=(
            *_SESSION_ERRORS,
            LengthRequired,
            BadRequest,
            failures.UploadInterrupted,
            failures.PartOutOfRange,
            failures.PartSizeMismatch,
            failures.PartHashMismatch,
            failures.MediaTypeNotAllowed,
            failures.MediaTypeMismatch,
        ),
    )
    def upload_part(self, request, upload_id: str, number: int) -> None:
        """Send part `number` (from 1) as the raw body, with its SHA-256 in X-Content-SHA256.

        The body streams to the documents service as it arrives. Part 1 holds the content's
        head: a content of a type not allowed is refused (415) and the upload closed.

        Safe to retry: sending a part again replaces it.
        """

    @stream(
        "POST",
        f"{PREFIX}/uploads/<upload_id>/complete",
        roles=ROLES,
        upstream=data_plane,
        path="/uploads/{upload_id}/complete",
        response=contract.DocumentView,
        responses={201: "The document (or its new version), stored and encrypted."},
        errors=(
            *_SESSION_ERRORS,
            failures.UploadIncomplete,
            failures.ContentHashMismatch,
            failures.MediaTypeNotAllowed,
            failures.MediaTypeMismatch,
            failures.DocumentInfected,
            failures.ScannerUnavailable,
        ),
    )
    def complete_upload(self, request, upload_id: str) -> None:
        """Complete an upload: the whole is checked (SHA-256, type from the content), scanned,
        and stored once under its hash.

        Safe to retry: completing again answers the same document.
        """

    @api(
        "GET",
        f"{PREFIX}",
        roles=ROLES,
        query=contract.ListFilters,
        response=contract.DocumentList,
    )
    def list_documents(self, request, query: dict[str, Any]) -> dict[str, Any]:
        """Documents: a citizen's own; for a clerk, those of one case (`case_id`)."""
        return self.documents.list_documents(query)

    @api(
        "GET",
        f"{PREFIX}/<uuid(strict=False):document_id>",
        roles=ROLES,
        response=contract.DocumentView,
        errors=(failures.DocumentNotFound,),
    )
    def get_document(self, request, document_id) -> dict[str, Any]:
        """A document's metadata and every version; an erased one shows its tombstone."""
        return self.documents.get_document(str(document_id))

    @api(
        "PATCH",
        f"{PREFIX}/<uuid(strict=False):document_id>",
        roles=ROLES,
        body=contract.DocumentChanges,
        response=contract.DocumentView,
        errors=(
            *_DOCUMENT_ERRORS,
            failures.DocumentArchived,
            IllegalTransition,
        ),
    )
    def update_document(self, request, body: dict[str, Any], document_id) -> dict[str, Any]:
        """Change title, status (draft -> final -> archived), confidentiality or language,
        with a reason for the audit trail."""
        return self.documents.update_document(str(document_id), body)

    @api(
        "POST",
        f"{PREFIX}/<uuid(strict=False):document_id>/download-link",
        roles=ROLES,
        body=schemas.LinkRequest,
        response=contract.DownloadLink,
        errors=(*_DOCUMENT_ERRORS, failures.UnknownVersion),
    )
    def download_link(self, request, body: dict[str, Any], document_id) -> dict[str, Any]:
        """A short-lived link to one version (the current one unless named).

        Safe to retry: a link keeps nothing; asking again gives another link, and each
        expires after DOCUMENTS.download_link_seconds.
        """
        return self.documents.download_link(str(document_id), body.get("version"))

    @stream(
        "GET",
        f"{PREFIX}/download/<token>",
        upstream=data_plane,
        path="/download/{token}",
        response_content=BINARY,
        responses={200: "The content, as an attachment, decrypted as it streams."},
        errors=(failures.InvalidLink, failures.LinkExpired, *_DOCUMENT_ERRORS),
    )
    def download(self, request, token: str) -> None:
        """Fetch what a download link grants; the link is the credential, no token is needed.

        Every download is in the audit trail under the reader the link was made for.
        """

    @api(
        "PUT",
        f"{PREFIX}/<uuid(strict=False):document_id>/legal-hold",
        roles=ADMIN,
        body=contract.LegalHold,
        response=contract.DocumentView,
        errors=_DOCUMENT_ERRORS,
    )
    def legal_hold(self, request, body: dict[str, Any], document_id) -> dict[str, Any]:
        """Put a document under legal hold (it is not erased while held) or release it.

        Safe to retry: a hold put again leaves the document as it is.
        """
        return self.documents.set_legal_hold(str(document_id), body)

    @api(
        "POST",
        f"{PREFIX}/case-filings",
        roles=OFFICE,
        body=schemas.CaseFilingRequest,
        response=schemas.FiledList,
        errors=(*_DOCUMENT_ERRORS, Forbidden),
    )
    def file_into_case(self, request, body: dict[str, Any]) -> dict[str, Any]:
        """File documents into a case as final; the case's clerks may then read them.

        Safe to retry: filing a document into its case again leaves it as it is.
        """
        case = {key: value for key, value in body.items() if key != "document_ids"}
        return {"documents": self.documents.file_into_case(body["document_ids"], case)}

    @keyed_api(
        "POST",
        f"{PREFIX}/letters",
        roles=OFFICE,
        body=contract.LetterRequest,
        response=contract.DocumentView,
        responses={201: "The letter, rendered to PDF and stored as a document."},
    )
    def generate_letter(self, request, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Generate a receipt or a decision letter (German or English) on the letterhead."""
        return 201, self.documents.generate_letter(body, idempotency_key=idempotency_key(request))

    @api(
        "GET", f"{PREFIX}/audit", roles=ADMIN, query=schemas.AuditQuery, response=contract.AuditPage
    )
    def audit_trail(self, request, query: dict[str, Any]) -> dict[str, Any]:
        """The audit trail, newest first: every read and change, by whom, when and why."""
        return self.documents.audit_trail(query)
