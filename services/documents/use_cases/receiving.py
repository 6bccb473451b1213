"""The content side of an upload: parts streamed into the store, and the upload completed.

No database transaction stays open while bytes flow: a session is read, the stream sealed
into the store, and only then is the result recorded. On SQLite a transaction holds the
write lock; a citizen's slow phone must not hold it for minutes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from services.common.clock import Clock
from services.common.context import Caller
from services.common.database import Transaction, UnitOfWork
from services.documents import scanning
from services.documents.errors import (
    ContentHashMismatch,
    DocumentInfected,
    MediaTypeMismatch,
    MediaTypeNotAllowed,
    PartHashMismatch,
    ScannerUnavailable,
    UploadClosed,
    UploadIncomplete,
)
from services.documents.events import DOCUMENT_STORED, DOCUMENT_VERSION_ADDED
from services.documents.filing import (
    Content,
    Description,
    add_version,
    keep_blob,
    new_document,
    version_facts,
)
from services.documents.intake import Observed
from services.documents.library import describe_document
from services.documents.models import DocumentRow, QuarantineRow, UploadRow, VersionRow
from services.documents.sealing import blob_address, seal, unseal
from services.documents.sniffing import ContentInspector, ContentRefused
from services.documents.uploads import (
    Refusal,
    check_part_length,
    close,
    ensure_open,
    keep_alive,
    missing_parts,
    open_session,
    own_session,
    part_count,
    part_name,
    parts_of,
    record_part,
    record_refusal,
    staging,
)
from services.documents.vault import Vault


@dataclass(frozen=True)
class ReceivePart:
    """One part of an upload, streaming in with its length and its SHA-256."""

    caller: Caller
    upload_id: str
    number: int
    length: int
    sha256: str
    body: Iterable[bytes]


def receive_part(
    command: ReceivePart, uow: UnitOfWork, clock: Clock, vault: Vault
) -> dict[str, Any]:
    caller, upload_id, number = command.caller, command.upload_id, command.number
    length, sha256, body = command.length, command.sha256, command.body
    with uow.transaction() as tx:
        upload = open_session(tx, caller, upload_id)
        check_part_length(upload, number, length)
        keep_alive(upload, vault.settings, clock())  # a part on its way is activity
        facts = _facts(upload, vault)
    whole = part_count(upload) == 1
    # the head of the content is in part 1: a wrong type is refused while it streams
    observed = Observed(body, ContentInspector() if number == 1 else None)
    name = part_name(staging(upload_id), number)
    try:
        vault.store.put(name, seal(observed, upload.wrapped_key, vault.master, number))
        media_type = observed.inspector.finish() if whole and observed.inspector else None
    except ContentRefused as refused:
        vault.store.delete(name)
        _refuse(uow, vault, caller, upload_id, facts, _type_refusal(facts, refused), clock())
    if observed.sha256 != sha256:
        vault.store.delete(name)
        raise PartHashMismatch(
            f"Part {number} does not have the SHA-256 sent with it; send it again.",
            {"part": number, "expected": sha256, "received": observed.sha256},
        )
    if media_type is not None:
        _check_media_type(uow, vault, caller, upload_id, facts, media_type, clock)
    try:
        with uow.transaction() as tx:
            keep_alive(open_session(tx, caller, upload_id), vault.settings, clock())
            record_part(tx, upload_id, number, observed.size, observed.sha256, media_type, clock())
    except UploadClosed:
        # closed while the part streamed (aborted, or abandoned after a long silence): the
        # parts removed with it did not include this one
        vault.store.delete(name)
        raise
    return {"number": number, "size": observed.size, "sha256": observed.sha256}


@dataclass(frozen=True)
class CompleteUpload:
    caller: Caller
    upload_id: str


def complete_upload(
    command: CompleteUpload, uow: UnitOfWork, clock: Clock, vault: Vault
) -> dict[str, Any]:
    """Check the whole, decide its type, scan it, and store it as a document (or a version)."""
    caller, upload_id = command.caller, command.upload_id
    with uow.transaction() as tx:
        upload = own_session(tx, caller, upload_id)
        if upload.status == "completed":  # a retried completion gets the same answer
            return _completed(tx, upload)
        ensure_open(upload)
        parts = parts_of(tx, upload_id)
        facts = _facts(upload, vault)
    missing = missing_parts(upload, parts)
    if missing:
        raise UploadIncomplete("Some parts have not arrived.", {"missing": missing})
    verdict, sha256, media_type = _examine(vault, upload, parts)
    if sha256 != upload.sha256:
        _refuse_quietly(uow, vault, caller, upload_id)
        raise ContentHashMismatch(
            "The content does not have the SHA-256 announced for it.",
            {"expected": upload.sha256, "received": sha256},
        )
    _check_media_type(uow, vault, caller, upload_id, facts, media_type, clock)
    if not verdict.clean:
        _quarantine(uow, vault, caller, upload, facts, verdict, [p.size for p in parts], clock())
    content = Content(
        sha256=sha256,
        address=blob_address(vault.address_key, sha256),
        size=upload.size,
        part_sizes=[part.size for part in parts],
        wrapped_key=upload.wrapped_key,
        media_type=media_type,
        filename=upload.filename,
        scanner=verdict.scanner,
    )
    return _file(uow, vault, caller, upload_id, content, clock())


def _examine(vault: Vault, upload: UploadRow, parts: list) -> tuple[scanning.Verdict, str, str]:
    """Scan, and re-read the whole unless one part already told its hash and type."""
    single = parts[0] if len(parts) == 1 and parts[0].media_type else None
    if single is not None and isinstance(vault.scanner, scanning.NoScanner):
        return scanning.Verdict(clean=True), single.sha256, single.media_type
    inspector = ContentInspector()
    observed = Observed(_plaintext(vault, upload, staging(upload.id), len(parts)), inspector)
    try:
        verdict = vault.scanner.scan(observed)
        observed.drain()
        media_type = inspector.finish()
    except scanning.ScannerUnavailable as error:
        raise ScannerUnavailable(
            "The virus scanner is not available; try completing the upload again later.",
            {"reason": str(error)},
        ) from None
    except ContentRefused as refused:
        media_type = f"refused:{refused.kind}"
        verdict = scanning.Verdict(clean=True)
    return verdict, observed.sha256, media_type


def _plaintext(vault: Vault, upload: UploadRow, prefix: str, parts: int) -> Iterator[bytes]:
    for number in range(1, parts + 1):
        sealed = vault.store.get(part_name(prefix, number))
        yield from unseal(sealed, upload.wrapped_key, vault.master, number)


def _check_media_type(uow, vault, caller, upload_id, facts, media_type, clock: Clock) -> None:
    allowed = vault.types.get(facts["document_type"]).media_types
    if media_type.startswith("refused:") or media_type not in allowed:
        error: Exception = MediaTypeNotAllowed(
            "The content is not of a type this document may have.",
            {"found": media_type.removeprefix("refused:"), "allowed": list(allowed)},
        )
    elif media_type != facts["media_type"]:
        error = MediaTypeMismatch(
            f"The content is {media_type}, not {facts['media_type']} as declared.",
            {"declared": facts["media_type"], "found": media_type},
        )
    else:
        return
    refusal = Refusal(error, "type", media_type.removeprefix("refused:"))
    _refuse(uow, vault, caller, upload_id, facts, refusal, clock())


def _type_refusal(facts: dict[str, Any], refused: ContentRefused) -> Refusal:
    allowed = facts["allowed"]
    return Refusal(
        MediaTypeNotAllowed(refused.message, {"found": refused.kind, "allowed": allowed}),
        "type",
        refused.kind,
    )


def _refuse(uow, vault, caller, upload_id, facts, refusal: Refusal, now: datetime) -> NoReturn:
    """Close the session, remove what it staged, announce the refusal, and raise it."""
    with uow.transaction() as tx:
        close(tx, own_session(tx, caller, upload_id, lock=True), "refused")
        record_refusal(tx, caller, facts, refusal, now)
    vault.store.delete_prefix(staging(upload_id))
    raise refusal.error


def _refuse_quietly(uow, vault, caller, upload_id: str) -> None:
    with uow.transaction() as tx:
        close(tx, own_session(tx, caller, upload_id, lock=True), "refused")
    vault.store.delete_prefix(staging(upload_id))


def _quarantine(uow, vault, caller, upload, facts, verdict, part_sizes, now) -> NoReturn:
    vault.store.move_prefix(staging(upload.id), f"quarantine/{upload.id}")
    refusal = Refusal(
        DocumentInfected(
            "The scanner found malware in this document; it was not accepted.",
            {"signature": verdict.signature},
        ),
        "scan",
        verdict.signature,
    )
    with uow.transaction() as tx:
        close(tx, own_session(tx, caller, upload.id, lock=True), "refused")
        tx.session.add(
            QuarantineRow(
                upload_id=upload.id,
                owner=upload.owner,
                document_type=facts["document_type"],
                signature=verdict.signature or "unknown",
                scanner=verdict.scanner,
                part_sizes=part_sizes,
                wrapped_key=upload.wrapped_key,
                quarantined_at=now,
            )
        )
        record_refusal(tx, caller, facts, refusal, now)
    raise refusal.error


def _file(uow, vault, caller, upload_id: str, content: Content, now: datetime) -> dict:
    with uow.transaction() as tx:
        upload = own_session(tx, caller, upload_id, lock=True)
        if upload.status == "completed":  # completed meanwhile by a parallel request
            return _completed(tx, upload)
        shared = not keep_blob(tx, content, now)
        if not shared:
            vault.store.move_prefix(staging(upload_id), f"blobs/{content.address}")
        document, number = _document_for(tx, vault, caller, upload, content, now)
        upload.result_document_id = document.id
        close(tx, upload, "completed")
        version = tx.session.get(VersionRow, (document.id, number))
        contract = DOCUMENT_STORED if number == 1 else DOCUMENT_VERSION_ADDED
        tx.publish(contract, version_facts(document, version))
        answer = _completed(tx, upload)
    if shared:  # the same content was stored before: this copy is not needed
        vault.store.delete_prefix(staging(upload_id))
    return answer


def _document_for(tx, vault, caller, upload, content, now) -> tuple[DocumentRow, int]:
    if upload.document_id:
        document = tx.session.get(DocumentRow, upload.document_id, with_for_update=True)
        return document, add_version(tx, caller, document, content, now)
    meta = upload.metadata_
    description = Description(
        document_type=vault.types.get(meta["document_type"]),
        title=meta["title"],
        language=meta["language"],
        confidentiality=meta["confidentiality"],
        status="draft",
        owner=upload.owner,
        case_id=meta.get("case_id"),
        case_role=meta.get("case_role"),
        case_department=meta.get("case_department"),
        appointment_id=meta.get("appointment_id"),
        feedback_id=meta.get("feedback_id"),
    )
    return new_document(tx, caller, description, content, now), 1


def _completed(tx: Transaction, upload: UploadRow) -> dict[str, Any]:
    return describe_document(tx, tx.session.get_one(DocumentRow, upload.result_document_id))


def _facts(upload: UploadRow, vault: Vault) -> dict[str, Any]:
    return {
        "upload_id": upload.id,
        "owner": upload.owner,
        "document_id": upload.document_id,
        "document_type": upload.metadata_["document_type"],
        "media_type": upload.media_type,
        "allowed": list(vault.types.get(upload.metadata_["document_type"]).media_types),
    }
