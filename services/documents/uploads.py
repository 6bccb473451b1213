"""Upload sessions: announced, sent in parts (each checked by its SHA-256), then completed.

A session names the whole content's size and SHA-256 up front. Parts may come in any
order and again (to resume after a broken connection); each is sealed into the store's
staging area as it streams. Completing checks the whole, decides the type from the
content, runs the scanner, and stores it once under its hash. A refused or abandoned
session leaves nothing behind: one idle for DOCUMENTS.upload_idle_minutes (no part started
or received) is closed and its parts removed by a timer, whatever its upload_hours.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from services.common.context import Caller
from services.common.database import Transaction
from services.common.errors import Forbidden, InvalidInput
from services.documents import access
from services.documents.audit import record
from services.documents.errors import (
    DocumentArchived,
    DocumentErased,
    DocumentNotFound,
    DocumentTooLarge,
    MediaTypeNotAllowed,
    PartOutOfRange,
    PartSizeMismatch,
    UploadClosed,
    UploadNotFound,
)
from services.documents.events import DOCUMENT_REJECTED
from services.documents.models import DocumentRow, UploadPartRow, UploadRow
from services.documents.settings import DocumentSettings
from services.documents.vault import Vault

MAX_PARTS = 10_000
LINK_FIELDS = ("case_id", "appointment_id", "feedback_id")


def staging(upload_id: str) -> str:
    return f"staging/{upload_id}"


def part_name(prefix: str, number: int) -> str:
    return f"{prefix}/{number:05d}"


@dataclass(frozen=True)
class Refusal:
    """An upload refused for its type or size: told to the caller and announced as an event."""

    error: Exception
    reason: str
    detail: str | None


def refused(vault: Vault, spec: dict[str, Any]) -> Refusal | None:
    """Why an announced upload is refused before any byte is sent: its type or its size."""
    document_type = vault.types.get(spec["document_type"])
    if document_type.generated:
        raise InvalidInput(
            "Documents of this type are made by the office, not uploaded.",
            {"document_type": ["Not uploadable."]},
        )
    if spec["media_type"] not in document_type.media_types:
        return Refusal(
            MediaTypeNotAllowed(
                f"A {document_type.key} may be one of {', '.join(document_type.media_types)}.",
                {"media_type": spec["media_type"], "allowed": list(document_type.media_types)},
            ),
            "type",
            spec["media_type"],
        )
    if spec["size"] > document_type.max_bytes:
        return Refusal(
            DocumentTooLarge(
                f"A {document_type.key} may have at most {document_type.max_bytes} bytes.",
                {"size": spec["size"], "max_bytes": document_type.max_bytes},
            ),
            "size",
            str(spec["size"]),
        )
    return None


def start(
    tx: Transaction, vault: Vault, caller: Caller, spec: dict[str, Any], now: datetime
) -> str:
    """Open a session for an upload `refused` let through; its id."""
    document_type = vault.types.get(spec["document_type"])
    if spec.get("document_id"):
        _check_new_version(tx, caller, spec["document_id"])
    part_size = spec.get("part_size") or vault.settings.part_size
    parts = max(1, -(-spec["size"] // part_size))
    if parts > MAX_PARTS:
        raise InvalidInput(
            f"At most {MAX_PARTS} parts; choose a larger part_size.", {"part_size": ["Too small."]}
        )
    upload = UploadRow(
        id=secrets.token_urlsafe(24),
        status="open",
        owner=_owner(caller, spec),
        author=caller.subject,
        author_role=caller.role,
        document_id=spec.get("document_id"),
        metadata_=_metadata(caller, spec, document_type.confidentiality),
        filename=spec.get("filename"),
        media_type=spec["media_type"],
        size=spec["size"],
        sha256=spec["sha256"],
        part_size=part_size,
        wrapped_key=vault.master.new_wrapped_key(),
        created_at=now,
    )
    keep_alive(upload, vault.settings, now)
    tx.session.add(upload)
    tx.session.flush()
    return upload.id


def keep_alive(upload: UploadRow, settings: DocumentSettings, now: datetime) -> None:
    """Something happened on the session: it is abandoned once idle for
    DOCUMENTS.upload_idle_minutes, and at the latest upload_hours after it started."""
    idle_until = now + timedelta(minutes=settings.upload_idle_minutes)
    upload.expires_at = min(upload.created_at + timedelta(hours=settings.upload_hours), idle_until)


def refusal_facts(caller: Caller, spec: dict[str, Any]) -> dict[str, Any]:
    """What document_rejected says of an upload refused before it had a session."""
    return {
        "upload_id": "refused-at-start",
        "owner": _owner(caller, spec),
        "document_id": spec.get("document_id"),
        "document_type": spec["document_type"],
    }


def _owner(caller: Caller, spec: dict[str, Any]) -> str | None:
    if access.is_office(caller):
        return spec.get("owner")
    return caller.subject


def _metadata(caller: Caller, spec: dict[str, Any], confidentiality: str) -> dict[str, Any]:
    links = {name: spec.get(name) for name in LINK_FIELDS}
    if links["case_id"] and not access.is_office(caller):
        # filing into a case is the applications service's (or a clerk's) act: it also
        # decides which clerks may read the document
        raise Forbidden(
            "Documents are filed into cases by the office.", {"case_id": links["case_id"]}
        )
    return {
        "document_type": spec["document_type"],
        "title": spec["title"],
        "language": spec.get("language") or "de",
        "confidentiality": spec.get("confidentiality") or confidentiality,
        "case_role": spec.get("case_role") or ("clerk" if links["case_id"] else None),
        "case_department": (
            access.department_to_file(caller, spec.get("case_department"))
            if links["case_id"]
            else None
        ),
        **links,
    }


def _check_new_version(tx: Transaction, caller: Caller, document_id: str) -> None:
    document = tx.session.get(DocumentRow, document_id)
    if document is None:
        raise DocumentNotFound("There is no such document.", {"document_id": document_id})
    access.may_change(caller, holding_of(document))
    if document.status == "erased":
        raise DocumentErased("The document was erased.", {"document_id": document_id})
    if document.status == "archived":
        raise DocumentArchived(
            "An archived document takes no new versions.", {"document_id": document_id}
        )


def holding_of(document: DocumentRow) -> access.Holding:
    return access.Holding(document.id, document.owner, document.case_role, document.case_department)


def open_session(
    tx: Transaction, caller: Caller, upload_id: str, *, lock: bool = False
) -> UploadRow:
    """The caller's session, open for parts; a session of someone else's does not exist."""
    return ensure_open(own_session(tx, caller, upload_id, lock=lock))


def ensure_open(upload: UploadRow) -> UploadRow:
    if upload.status != "open":
        raise UploadClosed(f"This upload is {upload.status}.", {"status": upload.status})
    return upload


def own_session(
    tx: Transaction, caller: Caller, upload_id: str, *, lock: bool = False
) -> UploadRow:
    statement = select(UploadRow).where(UploadRow.id == upload_id)
    upload = tx.session.execute(
        statement.with_for_update() if lock else statement
    ).scalar_one_or_none()
    if upload is None or upload.author != caller.subject:
        raise UploadNotFound("There is no such upload.", {"upload_id": upload_id})
    return upload


def expected_part_size(upload: UploadRow, number: int) -> int:
    parts = part_count(upload)
    if not 1 <= number <= parts:
        raise PartOutOfRange(
            f"This upload has parts 1 to {parts}.", {"part": number, "parts": parts}
        )
    if number < parts:
        return upload.part_size
    return upload.size - upload.part_size * (parts - 1)


def check_part_length(upload: UploadRow, number: int, length: int) -> None:
    expected = expected_part_size(upload, number)
    if length != expected:
        raise PartSizeMismatch(
            f"Part {number} has {expected} bytes.",
            {"part": number, "expected": expected, "sent": length},
        )


def part_count(upload: UploadRow) -> int:
    return max(1, -(-upload.size // upload.part_size))


def parts_of(tx: Transaction, upload_id: str) -> list[UploadPartRow]:
    return list(
        tx.session.execute(
            select(UploadPartRow)
            .where(UploadPartRow.upload_id == upload_id)
            .order_by(UploadPartRow.number)
        ).scalars()
    )


def record_part(
    tx: Transaction,
    upload_id: str,
    number: int,
    size: int,
    sha256: str,
    media_type: str | None,
    now: datetime,
) -> None:
    tx.session.execute(
        delete(UploadPartRow).where(
            UploadPartRow.upload_id == upload_id, UploadPartRow.number == number
        )
    )
    tx.session.add(
        UploadPartRow(
            upload_id=upload_id,
            number=number,
            size=size,
            sha256=sha256,
            media_type=media_type,
            received_at=now,
        )
    )


def missing_parts(upload: UploadRow, parts: list[UploadPartRow]) -> list[int]:
    received = {part.number for part in parts}
    return [number for number in range(1, part_count(upload) + 1) if number not in received]


def describe(upload: UploadRow, parts: list[UploadPartRow]) -> dict[str, Any]:
    return {
        "upload_id": upload.id,
        "status": upload.status,
        "size": upload.size,
        "sha256": upload.sha256,
        "part_size": upload.part_size,
        "parts": part_count(upload),
        "received": [
            {"number": part.number, "size": part.size, "sha256": part.sha256} for part in parts
        ],
        "missing": missing_parts(upload, parts),
        "expires_at": upload.expires_at.isoformat(),
        "document_id": upload.result_document_id,
    }


def status(tx: Transaction, caller: Caller, upload_id: str) -> dict[str, Any]:
    upload = own_session(tx, caller, upload_id)
    return describe(upload, parts_of(tx, upload_id))


def close(tx: Transaction, upload: UploadRow, status: str) -> None:
    upload.status = status
    tx.session.execute(delete(UploadPartRow).where(UploadPartRow.upload_id == upload.id))


def abort(tx: Transaction, caller: Caller, upload_id: str, now: datetime) -> None:
    upload = open_session(tx, caller, upload_id, lock=True)
    close(tx, upload, "aborted")
    record(
        tx, caller, "abort_upload", upload.document_id, None, None, {"upload_id": upload_id}, now
    )


def record_refusal(
    tx: Transaction, caller: Caller, facts: dict[str, Any], refusal: Refusal, now: datetime
) -> None:
    """The event and audit entry of a refused upload, in a transaction of their own."""
    tx.publish(
        DOCUMENT_REJECTED,
        {
            "upload_id": facts["upload_id"],
            "owner": facts["owner"],
            "document_type": facts["document_type"],
            "reason": refusal.reason,
            "detail": refusal.detail,
        },
    )
    record(
        tx,
        caller,
        "refuse_upload",
        facts.get("document_id"),
        None,
        refusal.reason,
        {"upload_id": facts["upload_id"], "detail": refusal.detail},
        now,
    )
