"""What the documents use-case tests share: the people, a vault on a temporary folder, a
pinned clock and a fake unit of work, and a way to store a document as a citizen does."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.common.context import Caller
from services.common.loading import load
from services.documents.schemas import UploadInput
from services.documents.settings import DocumentSettings, OfficeSettings
from services.documents.use_cases import receiving, uploads
from services.documents.vault import Vault, open_vault
from tests.support.clock import Clock
from tests.support.documents import TEST_MASTER_KEY
from tests.support.fakes import FakeUnitOfWork

MOMENT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

ANNA = Caller(subject="anna", role="citizen", name="Anna Müller")
BERT = Caller(subject="bert", role="citizen")
CARLA = Caller(subject="clerk-carla", role="clerk", departments=("traffic",))
OLAF = Caller(subject="clerk-olaf", role="clerk", departments=("parks",))
ALEX = Caller(subject="admin-alex", role="admin")


def pdf(size: int, seed: bytes = b"") -> bytes:
    """A content that sniffs as PDF, of exactly `size` bytes, different for each seed."""
    head = b"%PDF-1.7\n" + seed
    body = hashlib.sha256(seed).digest() * (size // 32 + 1)
    return (head + body)[:size]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def vault_in(folder: Path) -> Vault:
    settings = DocumentSettings(master_key=TEST_MASTER_KEY, storage_path=str(folder))
    office = OfficeSettings(name="Stadt Soest - Bürgerbüro", street="Am Vreithof 8", city="Soest")
    return open_vault(settings, office)


@dataclass
class World:
    uow: FakeUnitOfWork
    clock: Clock
    vault: Vault

    def announce(
        self, caller: Caller, content: bytes, key: str | None = None, **spec: Any
    ) -> dict[str, Any]:
        """An upload started as the service would start it: the answer (its session)."""
        raw = {
            "document_type": "attachment",
            "title": "Meldebescheinigung",
            "media_type": "application/pdf",
            "size": len(content),
            "sha256": sha(content),
            **spec,
        }
        command = uploads.StartUpload(caller, load(UploadInput, raw), key)
        return uploads.start_upload(command, self.uow, self.clock, self.vault)

    def send(self, caller: Caller, upload_id: str, content: bytes, number: int = 1) -> dict:
        command = receiving.ReceivePart(
            caller, upload_id, number, len(content), sha(content), [content]
        )
        return receiving.receive_part(command, self.uow, self.clock, self.vault)

    def complete(self, caller: Caller, upload_id: str) -> dict[str, Any]:
        command = receiving.CompleteUpload(caller, upload_id)
        return receiving.complete_upload(command, self.uow, self.clock, self.vault)

    def store(self, caller: Caller, content: bytes | None = None, **spec: Any) -> dict[str, Any]:
        """A document stored through the upload use cases, as a citizen's portal does."""
        content = content if content is not None else pdf(2048, repr(spec).encode())
        upload_id = self.announce(caller, content, **spec)["upload_id"]
        self.send(caller, upload_id, content)
        return self.complete(caller, upload_id)

    def stored(self, relative: str) -> list[str]:
        root = Path(self.vault.settings.storage_path)
        found = (root / relative).rglob("*")
        return sorted(str(path.relative_to(root)) for path in found if path.is_file())


def world(fake_uow, tmp_path: Path, handler: str | None = None) -> World:
    from services.documents.models import Base

    uow = fake_uow("documents", Base.metadata, handler=handler)
    return World(uow, Clock(MOMENT), vault_in(tmp_path / "store"))
