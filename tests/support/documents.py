"""The documents service and the gateway on the real broker and database, content on disk.

The service stores into a temporary folder; its data plane listens on a free port that the
gateway streams to, as in production. A pytest plugin (tests/conftest.py) for every service
whose tests upload; the helpers (`pdf`, `Portal`, `stored_files`) are imported from here.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
import requests

from services.common.migrations import upgrade
from services.common.settings import database_url
from services.documents.service import DocumentsService
from tests.support.processes import free_port

TEST_MASTER_KEY = base64.b64encode(b"a-test-master-key-of-32-bytes!!!").decode()
MIB = 1024 * 1024
OFFICE = {"name": "Stadt Soest - Bürgerbüro", "street": "Am Vreithof 8", "city": "59494 Soest"}


def pdf(size: int, seed: bytes = b"") -> bytes:
    """A content that sniffs as PDF, of exactly `size` bytes, different for each seed."""
    head = b"%PDF-1.7\n" + seed
    body = hashlib.sha256(seed).digest() * (size // 32 + 1)
    return (head + body)[:size]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def store_path(tmp_path) -> Path:
    return tmp_path / "documents"


@pytest.fixture
def document_settings(store_path):
    """Change before the service starts to test other settings."""
    return {
        "master_key": TEST_MASTER_KEY,
        "data_address": f"127.0.0.1:{free_port()}",
        "storage_path": str(store_path),
        "retention_interval": 3600,
    }


@pytest.fixture
def platform(platform_config, container_factory, start_gateway, document_settings):
    """The documents service and the gateway, started; answers the gateway's session."""
    upgrade("documents", database_url("documents"))
    documents = container_factory(
        DocumentsService, {"DOCUMENTS": document_settings, "OFFICE": OFFICE}
    )
    documents.start()
    start_gateway(
        gateway={
            "documents_url": f"http://{document_settings['data_address']}",
            "stream_timeout": 60,
        }
    )
    return documents


class Portal:
    """What a portal does: uploads in parts, completes, fetches through links."""

    def __init__(self, session: requests.Session, headers: dict[str, str]) -> None:
        self.session = session
        self.headers = headers

    def start(self, content: bytes, **spec) -> requests.Response:
        body = {
            "document_type": "attachment",
            "title": "Nachweis",
            "media_type": "application/pdf",
            "size": len(content),
            "sha256": sha(content),
            **spec,
        }
        return self.session.post("/api/v1/documents/uploads", json=body, headers=self.headers)

    def send_part(self, upload_id: str, number: int, data: bytes, digest: str | None = None):
        return self.session.put(
            f"/api/v1/documents/uploads/{upload_id}/parts/{number}",
            data=data,
            headers={**self.headers, "X-Content-SHA256": digest or sha(data)},
        )

    def complete(self, upload_id: str) -> requests.Response:
        return self.session.post(
            f"/api/v1/documents/uploads/{upload_id}/complete", headers=self.headers
        )

    def upload(self, content: bytes, **spec) -> requests.Response:
        """The whole round: start, every part in order, complete; the completion's answer."""
        started = self.start(content, **spec)
        assert started.status_code == 201, started.text
        session = started.json()
        part_size = session["part_size"]
        for number in range(1, session["parts"] + 1):
            piece = content[(number - 1) * part_size : number * part_size]
            sent = self.send_part(session["upload_id"], number, piece)
            if sent.status_code != 200:
                return sent
        return self.complete(session["upload_id"])

    def link(self, document_id: str, version: int | None = None) -> requests.Response:
        body = {} if version is None else {"version": version}
        return self.session.post(
            f"/api/v1/documents/{document_id}/download-link", json=body, headers=self.headers
        )

    def download(self, document_id: str, version: int | None = None) -> requests.Response:
        link = self.link(document_id, version)
        assert link.status_code == 200, link.text
        return self.session.get(link.json()["url"])

    def get(self, document_id: str) -> requests.Response:
        return self.session.get(f"/api/v1/documents/{document_id}", headers=self.headers)


@pytest.fixture
def portal_of(platform, web_session, login):
    """A portal signed in as `subject` with `role` (and a clerk's departments)."""

    def portal(subject: str, role: str = "citizen", departments: tuple[str, ...] = ()) -> Portal:
        return Portal(web_session, login(role, subject, departments))

    return portal


def stored_files(store_path: Path, prefix: str = "") -> list[Path]:
    root = store_path / prefix if prefix else store_path
    if not root.exists():
        return []
    return [path for path in root.rglob("*") if path.is_file() and ".tmp" not in path.parts]


def contains(path: Path, needle: bytes) -> bool:
    return needle in path.read_bytes()
