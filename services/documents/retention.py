"""Erasing what the law no longer lets the office keep, and clearing abandoned uploads.

A document past its retention date and not under legal hold is erased: its versions go,
each blob no other version shares loses its wrapped key and its content (crypto-shredding:
without the key, any copy left in a backup is noise), and a tombstone keeps the fact that
the document existed, with its type, its case and when it was erased, but no title.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select

from services.common.context import Caller
from services.common.database import Transaction
from services.documents.audit import record
from services.documents.events import DOCUMENT_ERASED
from services.documents.models import BlobRow, DocumentRow, QuarantineRow, UploadRow, VersionRow
from services.documents.uploads import close, staging
from services.documents.vault import Vault

SYSTEM = Caller(subject="system:retention", role=None)
BATCH = 100


def erase_expired(tx: Transaction, now: datetime) -> tuple[int, list[str]]:
    """Erase up to BATCH expired documents: how many, and the addresses of the blobs to remove
    after the commit (a blob removed first and a rollback after would lose a document)."""
    statement = (
        select(DocumentRow)
        .where(
            DocumentRow.retain_until <= now,
            DocumentRow.legal_hold.is_(False),
            DocumentRow.status != "erased",
        )
        .order_by(DocumentRow.retain_until)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    documents = tx.session.execute(statement).scalars().all()
    addresses: list[str] = []
    for document in documents:
        addresses += _erase(tx, document, now)
    return len(documents), addresses


def _erase(tx: Transaction, document: DocumentRow, now: datetime) -> list[str]:
    hashes = set(
        tx.session.execute(
            select(VersionRow.sha256).where(VersionRow.document_id == document.id)
        ).scalars()
    )
    tx.session.execute(delete(VersionRow).where(VersionRow.document_id == document.id))
    addresses = []
    for sha256 in hashes:
        still_used = tx.session.execute(
            select(exists().where(VersionRow.sha256 == sha256))
        ).scalar()
        if not still_used:
            blob = tx.session.get(BlobRow, sha256, with_for_update=True)
            if blob is not None:
                addresses.append(blob.address)
                tx.session.delete(blob)  # the wrapped key goes with the row
    document.status = "erased"
    document.title = None
    document.erased_at = now
    document.modified_at = now
    tx.publish(
        DOCUMENT_ERASED,
        {
            "document_id": document.id,
            "document_type": document.document_type,
            "case_id": document.case_id,
            "reason": "retention",
        },
    )
    record(tx, SYSTEM, "erase", document.id, None, "retention", {"blobs": len(addresses)}, now)
    return addresses


def abandoned_uploads(tx: Transaction, now: datetime) -> list[str]:
    """Close sessions past their time; their staged parts are removed after the commit."""
    rows = tx.session.execute(
        select(UploadRow)
        .where(UploadRow.status == "open", UploadRow.expires_at <= now)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).scalars()
    closed = []
    for upload in rows.all():
        close(tx, upload, "aborted")
        closed.append(upload.id)
    return closed


def old_quarantine(tx: Transaction, vault: Vault, now: datetime) -> list[str]:
    cutoff = now - timedelta(days=vault.settings.quarantine_days)
    rows = tx.session.execute(
        select(QuarantineRow.upload_id).where(QuarantineRow.quarantined_at <= cutoff).limit(BATCH)
    ).scalars()
    ids = list(rows)
    if ids:
        tx.session.execute(delete(QuarantineRow).where(QuarantineRow.upload_id.in_(ids)))
    return ids


def remove_blobs(vault: Vault, addresses: list[str]) -> None:
    for address in addresses:
        vault.store.delete_prefix(f"blobs/{address}")


def remove_staged(vault: Vault, upload_ids: list[str]) -> None:
    for upload_id in upload_ids:
        vault.store.delete_prefix(staging(upload_id))


def remove_quarantined(vault: Vault, upload_ids: list[str]) -> None:
    for upload_id in upload_ids:
        vault.store.delete_prefix(f"quarantine/{upload_id}")
