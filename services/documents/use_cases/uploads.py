"""Upload sessions opened, looked at and aborted; the parts and the completion are in
receiving.py (no transaction stays open while bytes flow)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common.clock import Clock
from services.common.context import Caller
from services.common.database import UnitOfWork
from services.common.idempotency import Keyed, Once
from services.documents import retention, uploads
from services.documents.vault import Vault


@dataclass(frozen=True)
class StartUpload:
    """An upload announced: its type, size, SHA-256 and metadata (schemas.UploadInput)."""

    caller: Caller
    spec: dict[str, Any]
    idempotency_key: str | None = None


def start_upload(
    command: StartUpload, uow: UnitOfWork, clock: Clock, vault: Vault
) -> dict[str, Any]:
    """Open a session for the upload, or refuse it for its type or size (announced as
    `document_rejected`); the same key answers the same session again."""
    caller, spec = command.caller, command.spec
    once = Once(
        uow.transaction,
        Keyed.of(caller.subject, "upload", command.idempotency_key, spec),
        lambda tx, upload_id: uploads.status(tx, caller, upload_id),
    )
    if (earlier := once.earlier()) is not None:
        return earlier
    refusal = uploads.refused(vault, spec)
    if refusal is not None:
        with uow.transaction() as tx:
            facts = uploads.refusal_facts(caller, spec)
            uploads.record_refusal(tx, caller, facts, refusal, clock())
        raise refusal.error
    return once.make(lambda tx: uploads.start(tx, vault, caller, spec, clock()))


@dataclass(frozen=True)
class UploadOf:
    """One of the caller's upload sessions."""

    caller: Caller
    upload_id: str


def upload_status(command: UploadOf, uow: UnitOfWork) -> dict[str, Any]:
    with uow.transaction() as tx:
        return uploads.status(tx, command.caller, command.upload_id)


def abort_upload(command: UploadOf, uow: UnitOfWork, clock: Clock, vault: Vault) -> None:
    """Close the session and remove the parts it staged."""
    with uow.transaction() as tx:
        uploads.abort(tx, command.caller, command.upload_id, clock())
    retention.remove_staged(vault, [command.upload_id])
