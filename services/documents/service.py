"""The documents service's entrypoints: RPC for metadata, the data plane for content."""

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
from services.common.idempotency import Keyed, Once
from services.common.identity import ADMIN, OFFICE, SIGNED_IN
from services.common.loading import load
from services.common.rpc_entrypoint import rpc
from services.common.timers import every
from services.documents import (
    access,
    audit,
    casework,
    generation,
    library,
    receiving,
    retention,
    uploads,
)
from services.documents.data_plane import data_route
from services.documents.downloads import stream_download
from services.documents.intake import body_chunks
from services.documents.models import admin_trail
from services.documents.schemas import (
    SHA256_HEX,
    AuditFilters,
    CaseFiling,
    DocumentChanges,
    LegalHold,
    LetterRequest,
    ListFilters,
    UploadInput,
)
from services.documents.settings import DocumentSettings
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

    @rpc(roles=SIGNED_IN)
    def start_upload(
        self, upload: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        caller = self.caller
        spec = load(UploadInput, upload)
        once = Once(
            self.db.transaction,
            Keyed.of(caller.subject, "upload", idempotency_key, spec),
            lambda tx, upload_id: uploads.status(tx, caller, upload_id),
        )
        if (earlier := once.earlier()) is not None:
            return earlier
        refusal = uploads.refused(self.vault, spec)
        if refusal is not None:
            with self.db.transaction() as tx:
                facts = uploads.refusal_facts(caller, spec)
                uploads.record_refusal(tx, caller, facts, refusal, now())
            raise refusal.error
        return once.make(lambda tx: uploads.start(tx, self.vault, caller, spec, now()))

    @rpc(roles=SIGNED_IN)
    def upload_status(self, upload_id: str) -> dict[str, Any]:
        caller = self.caller
        with self.db.transaction() as tx:
            return uploads.status(tx, caller, upload_id)

    @rpc(roles=SIGNED_IN)
    def abort_upload(self, upload_id: str) -> None:
        caller = self.caller
        with self.db.transaction() as tx:
            uploads.abort(tx, caller, upload_id, now())
        retention.remove_staged(self.vault, [upload_id])

    @data_route("PUT", "/uploads/<upload_id>/parts/<int:number>")
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
        return receiving.receive_part(
            self.db.transaction,
            self.vault,
            caller,
            upload_id,
            number,
            request.content_length,
            sha256,
            body,
            now,
        )

    @data_route("POST", "/uploads/<upload_id>/complete")
    def complete_upload(self, request: Request, upload_id: str) -> tuple[int, dict[str, Any]]:
        caller = self.caller.require(*SIGNED_IN)
        return 201, receiving.complete(self.db.transaction, self.vault, caller, upload_id, now)

    # reading

    @data_route("GET", "/download/<token>")
    def download(self, request: Request, token: str) -> Response:
        with self.db.transaction() as tx:
            document, version, blob = library.open_download(tx, self.vault, token, now())
        return stream_download(self.vault, document, version, blob)

    @rpc(roles=SIGNED_IN)
    def get_document(self, document_id: str) -> dict[str, Any]:
        caller = self.caller
        with self.db.transaction() as tx:
            return library.view(tx, caller, document_id, now())

    @rpc(roles=SIGNED_IN)
    def list_documents(self, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        caller = self.caller
        with self.db.transaction() as tx:
            return library.list_documents(tx, caller, load(ListFilters, filters or {}))

    @rpc(roles=SIGNED_IN)
    def download_link(self, document_id: str, version: int | None = None) -> dict[str, Any]:
        caller = self.caller
        with self.db.transaction() as tx:
            return library.download_link(tx, self.vault, caller, document_id, version, now())

    @rpc
    def document_types(self) -> list[dict[str, Any]]:
        return [document_type.as_dict() for document_type in self.vault.types.all()]

    # changing

    @rpc(roles=SIGNED_IN)
    def update_document(self, document_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        caller = self.caller
        data = load(DocumentChanges, changes)
        with self.db.transaction() as tx:
            return library.update(tx, caller, document_id, data, now())

    @rpc(roles=OFFICE)
    def file_into_case(self, document_ids: list[str], case: dict[str, Any]) -> list[dict]:
        caller = self.caller
        data = load(CaseFiling, case)
        data["case_department"] = access.department_to_file(caller, data["case_department"])
        with self.db.transaction() as tx:
            return library.file_into_case(tx, caller, list(document_ids), data, now())

    @rpc(roles=ADMIN)
    def set_legal_hold(self, document_id: str, hold: dict[str, Any]) -> dict[str, Any]:
        caller = self.caller
        data = load(LegalHold, hold)
        with self.db.transaction() as tx:
            return library.set_legal_hold(
                tx, caller, document_id, data["hold"], data["reason"], now()
            )

    @rpc(roles=OFFICE)
    def generate_letter(
        self, letter: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        caller = self.caller
        request = load(LetterRequest, letter)
        if request["case_id"]:
            request["case_department"] = access.department_to_file(
                caller, request["case_department"]
            )
        once = Once(
            self.db.transaction,
            Keyed.of(caller.subject, "letter", idempotency_key, request),
            lambda tx, document_id: library.view(tx, caller, document_id, now()),
        )
        if (earlier := once.earlier()) is not None:
            return earlier
        pdf, title = generation.render(self.vault, request)
        content = generation.seal_letter(self.vault, pdf)
        return once.make(
            lambda tx: generation.file_letter(
                tx, self.vault, caller, request, title, content, now()
            )["document_id"]
        )

    @rpc(roles=OFFICE, errors=(InvalidInput,))
    def preview_decision_letter(self, decision: dict[str, Any]) -> dict[str, Any]:
        """The decision letter an `application_decided` with these facts would issue, as a
        PDF (base64), written as that event's letter is; nothing is sealed, stored or issued."""
        facts = casework.decided_facts(decision)
        pdf, title = generation.render(self.vault, casework.decision_request(facts))
        return generation.preview(pdf, title)

    @rpc(roles=ADMIN)
    def audit_trail(self, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        data = load(AuditFilters, filters or {})
        with self.db.transaction() as tx:
            return audit.query(tx, data)

    # the applications' cases (at-least-once; each effect once, through the inbox)

    # Retry policy, all three: a letter the templates cannot write with the event's facts
    # (`invalid_input`) stays unwritable, so it goes to the dead letters at once; a document
    # that may not be filed is no fault (recorded in the audit trail, the rest goes through);
    # a fault of the store or the database, or attachments changing while the receipt was
    # written (`AttachmentsChanged`), is retried with back-off.

    @event_handler(application_events.APPLICATION_SUBMITTED, permanent=(InvalidInput,))
    def on_application_submitted(self, event: Event) -> None:
        """The applicant's attachments are filed into the case as final; the receipt issued."""
        casework.receive_application(self.db, self.vault, event, now())

    @event_handler(application_events.APPLICATION_DECIDED, permanent=(InvalidInput,))
    def on_application_decided(self, event: Event) -> None:
        """The decision letter is issued to the applicant and filed into the case."""
        casework.receive_decision(self.db, self.vault, event, now())

    @event_handler(feedback_events.REPORT_SUBMITTED)
    def on_report_submitted(self, event: Event) -> None:
        """A report's photos are filed under it, for the department's clerks to see."""
        casework.receive_report(self.db, event, now())

    # retention

    @every(interval=lambda: DocumentSettings.from_config().retention_interval)
    def keep_retention(self) -> None:
        """Erase what expired and old quarantine, batch by batch."""
        while True:
            with self.db.transaction() as tx:
                erased, addresses = retention.erase_expired(tx, now())
                quarantined = retention.old_quarantine(tx, self.vault, now())
            retention.remove_blobs(self.vault, addresses)
            retention.remove_quarantined(self.vault, quarantined)
            # only a full batch may have left more behind (blobs are not documents: count these)
            if max(erased, len(quarantined)) < retention.BATCH:
                break
        self.vault.store.sweep_temporaries(older_than_seconds=3600)

    @every(interval=lambda: DocumentSettings.from_config().upload_sweep_seconds)
    def clear_abandoned_uploads(self) -> None:
        """Close upload sessions idle or open too long and remove their parts, batch by batch:
        a client that went away holds no storage for long."""
        while True:
            with self.db.transaction() as tx:
                abandoned = retention.abandoned_uploads(tx, now())
            retention.remove_staged(self.vault, abandoned)
            if len(abandoned) < retention.BATCH:
                break
