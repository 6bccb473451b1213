"""The documents service's entrypoints: RPC for metadata, the data plane for content.

Each answer is dumped through the service's own schema (services/documents/schemas.py), the
one the gateway and the OpenAPI document refer to."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from services.applications import events as application_events
from services.common import dead_letter_trail
from services.common import service as common
from services.common.errors import InvalidInput, LengthRequired
from services.common.events import Event
from services.common.handlers import event_handler
from services.common.identity import ADMIN, OFFICE, SIGNED_IN
from services.common.loading import load
from services.common.rpc_entrypoint import rpc
from services.common.timers import every
from services.documents.data_plane import data_route
from services.documents.downloads import stream_download
from services.documents.intake import body_chunks
from services.documents.models import admin_trail
from services.documents.schemas import (
    SHA256_HEX,
    AuditFilters,
    AuditPage,
    CaseFiling,
    DocumentChanges,
    DocumentList,
    DocumentTypeView,
    DocumentView,
    DownloadLink,
    LegalHold,
    LetterPreview,
    LetterRequest,
    ListFilters,
    ReceivedPart,
    UploadInput,
    UploadSession,
)
from services.documents.settings import DocumentSettings
from services.documents.use_cases import (
    casework,
    documents,
    letters,
    receiving,
    retention,
    uploads,
)
from services.documents.vault import VaultProvider
from services.feedback import events as feedback_events

PART_HASH_HEADER = "X-Content-SHA256"


def now() -> datetime:
    return datetime.now(UTC)


class DocumentsService(dead_letter_trail.DeadLetterTrail, common.ServiceBase):
    name = "documents"
    dead_letter_audit_table = admin_trail

    vault = VaultProvider()

    # uploads

    @rpc(roles=SIGNED_IN, answers=UploadSession)
    def start_upload(
        self, upload: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        command = uploads.StartUpload(self.caller, load(UploadInput, upload), idempotency_key)
        return uploads.start_upload(command, self.db, now, self.vault)

    @rpc(roles=SIGNED_IN, answers=UploadSession)
    def upload_status(self, upload_id: str) -> dict[str, Any]:
        return uploads.upload_status(uploads.UploadOf(self.caller, upload_id), self.db)

    @rpc(roles=SIGNED_IN)
    def abort_upload(self, upload_id: str) -> None:
        command = uploads.UploadOf(self.caller, upload_id)
        uploads.abort_upload(command, self.db, now, self.vault)

    @data_route("PUT", "/uploads/<upload_id>/parts/<int:number>", answers=ReceivedPart)
    def receive_part(self, request: Request, upload_id: str, number: int) -> dict[str, Any]:
        caller = self.caller.require(*SIGNED_IN)
        if request.content_length is None:
            raise LengthRequired("Send the part with its Content-Length.")
        sha256 = (request.headers.get(PART_HASH_HEADER) or "").lower()
        if not SHA256_HEX.fullmatch(sha256):
            raise InvalidInput(
                f"Send the part's SHA-256 in hex in {PART_HASH_HEADER}.",
                {PART_HASH_HEADER: ["A SHA-256 in hex."]},
            )
        body = body_chunks(request.environ["wsgi.input"], request.content_length)
        command = receiving.ReceivePart(
            caller, upload_id, number, request.content_length, sha256, body
        )
        return receiving.receive_part(command, self.db, now, self.vault)

    @data_route("POST", "/uploads/<upload_id>/complete", answers=DocumentView)
    def complete_upload(self, request: Request, upload_id: str) -> tuple[int, dict[str, Any]]:
        command = receiving.CompleteUpload(self.caller.require(*SIGNED_IN), upload_id)
        return 201, receiving.complete_upload(command, self.db, now, self.vault)

    # reading

    @data_route("GET", "/download/<token>")
    def download(self, request: Request, token: str) -> Response:
        command = documents.OpenDownload(token)
        document, version, blob = documents.open_download(command, self.db, now, self.vault)
        return stream_download(self.vault, document, version, blob)

    @rpc(roles=SIGNED_IN, answers=DocumentView)
    def get_document(self, document_id: str) -> dict[str, Any]:
        return documents.get_document(documents.DocumentOf(self.caller, document_id), self.db, now)

    @rpc(roles=SIGNED_IN, answers=DocumentList)
    def list_documents(self, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        command = documents.ListDocuments(self.caller, load(ListFilters, filters or {}))
        return documents.list_documents(command, self.db)

    @rpc(roles=SIGNED_IN, answers=DownloadLink)
    def download_link(self, document_id: str, version: int | None = None) -> dict[str, Any]:
        command = documents.AskForLink(self.caller, document_id, version)
        return documents.download_link(command, self.db, now, self.vault)

    @rpc(answers=DocumentTypeView, many=True)
    def document_types(self) -> list[dict[str, Any]]:
        return [document_type.as_dict() for document_type in self.vault.types.all()]

    # changing

    @rpc(roles=SIGNED_IN, answers=DocumentView)
    def update_document(self, document_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        command = documents.UpdateDocument(self.caller, document_id, load(DocumentChanges, changes))
        return documents.update_document(command, self.db, now)

    @rpc(roles=OFFICE, answers=DocumentView, many=True)
    def file_into_case(self, document_ids: list[str], case: dict[str, Any]) -> list[dict]:
        command = documents.FileIntoCase(self.caller, list(document_ids), load(CaseFiling, case))
        return documents.file_into_case(command, self.db, now)

    @rpc(roles=ADMIN, answers=DocumentView)
    def set_legal_hold(self, document_id: str, hold: dict[str, Any]) -> dict[str, Any]:
        data = load(LegalHold, hold)
        command = documents.SetLegalHold(self.caller, document_id, data["hold"], data["reason"])
        return documents.set_legal_hold(command, self.db, now)

    @rpc(roles=OFFICE, answers=DocumentView)
    def generate_letter(
        self, letter: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        command = letters.GenerateLetter(self.caller, load(LetterRequest, letter), idempotency_key)
        return letters.generate_letter(command, self.db, now, self.vault)

    @rpc(roles=OFFICE, errors=(InvalidInput,), answers=LetterPreview)
    def preview_decision_letter(self, decision: dict[str, Any]) -> dict[str, Any]:
        """The decision letter an `application_decided` with these facts would issue, as a
        PDF (base64), written as that event's letter is; nothing is sealed, stored or issued."""
        return letters.preview_decision_letter(letters.PreviewDecision(decision), self.vault)

    @rpc(roles=ADMIN, answers=AuditPage)
    def audit_trail(self, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        command = documents.AuditQuery(load(AuditFilters, filters or {}))
        return documents.audit_trail(command, self.db)

    # the applications' cases (at-least-once; each effect once, through the inbox)

    # Retry policy, all three: a letter the templates cannot write with the event's facts
    # (`invalid_input`) stays unwritable, so it goes to the dead letters at once; a document
    # that may not be filed is no fault (recorded in the audit trail, the rest goes through);
    # a fault of the store or the database, or attachments changing while the receipt was
    # written (`AttachmentsChanged`), is retried with back-off.

    @event_handler(application_events.APPLICATION_SUBMITTED, permanent=(InvalidInput,))
    def on_application_submitted(self, event: Event) -> None:
        """The applicant's attachments are filed into the case as final; the receipt issued."""
        command = casework.ApplicationSubmitted(event)
        casework.application_submitted(command, self.db, now, self.vault)

    @event_handler(application_events.APPLICATION_DECIDED, permanent=(InvalidInput,))
    def on_application_decided(self, event: Event) -> None:
        """The decision letter is issued to the applicant and filed into the case."""
        command = casework.ApplicationDecided(event)
        casework.application_decided(command, self.db, now, self.vault)

    @event_handler(feedback_events.REPORT_SUBMITTED)
    def on_report_submitted(self, event: Event) -> None:
        """A report's photos are filed under it, for the department's clerks to see."""
        casework.report_submitted(casework.ReportSubmitted(event), self.db, now)

    # retention

    @every(interval=lambda: DocumentSettings.from_config().retention_interval)
    def keep_retention(self) -> None:
        """Erase what expired and old quarantine, batch by batch."""
        retention.keep_retention(self.db, now, self.vault)

    @every(interval=lambda: DocumentSettings.from_config().upload_sweep_seconds)
    def clear_abandoned_uploads(self) -> None:
        """Close upload sessions idle or open too long and remove their parts, batch by batch:
        a client that went away holds no storage for long."""
        retention.clear_abandoned_uploads(self.db, now, self.vault)
