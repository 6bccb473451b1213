"""Retention: expired documents are crypto-shredded, tombstoned and announced; a hold stops it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml
from nameko.testing.services import entrypoint_hook

from services.documents import service as documents_service
from services.documents.kinds import DEFAULT_FILE
from tests.support.clock import Clock
from tests.support.documents import MIB, pdf, stored_files

# one retention period of a second and a half; long enough to put a hold on in time
BRIEF_DAYS = 1.5 / 86400


@pytest.fixture
def document_settings(document_settings, tmp_path):
    types = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    types["brief"] = {
        "title": {"de": "Kurzzeitig", "en": "Brief"},
        "media_types": ["application/pdf"],
        "max_mib": 1,
        "retention_days": BRIEF_DAYS,
    }
    types_file = tmp_path / "types.yaml"
    types_file.write_text(yaml.safe_dump(types), encoding="utf-8")
    return {**document_settings, "types_file": str(types_file), "retention_interval": 0.3}


def test_an_expired_document_is_erased_leaving_a_tombstone_and_no_content(
    portal_of, store_path, events
):
    anna = portal_of("anna")
    document = anna.upload(pdf(20_000, b"expires"), document_type="brief").json()
    link = anna.link(document["document_id"]).json()["url"]

    erased = events.wait_for_one("document_erased", document_id=document["document_id"])

    assert erased["payload"]["reason"] == "retention"
    tombstone = anna.get(document["document_id"]).json()
    assert tombstone["status"] == "erased" and tombstone["title"] is None
    assert tombstone["versions"] == [] and tombstone["erased_at"]
    assert stored_files(store_path, "blobs") == []
    gone = anna.session.get(link)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "document_erased"
    admin = portal_of("admin-alex", "admin")
    trail = admin.session.get(
        "/api/v1/documents/audit",
        params={"document_id": document["document_id"], "action": "erase"},
        headers=admin.headers,
    ).json()["entries"]
    assert trail[0]["reason"] == "retention" and trail[0]["actor"] == "system:retention"


def test_a_document_under_legal_hold_outlives_its_retention(portal_of, events):
    anna = portal_of("anna")
    admin = portal_of("admin-alex", "admin")
    held = anna.upload(pdf(20_000, b"held"), document_type="brief").json()
    admin.session.put(
        f"/api/v1/documents/{held['document_id']}/legal-hold",
        json={"hold": True, "reason": "court case 3 K 12/26"},
        headers=admin.headers,
    ).raise_for_status()
    other = anna.upload(pdf(20_000, b"not held"), document_type="brief").json()

    events.wait_for_one("document_erased", document_id=other["document_id"])

    assert anna.get(held["document_id"]).json()["status"] == "draft"
    assert anna.download(held["document_id"]).content == pdf(20_000, b"held")


def test_a_blob_shared_with_a_document_still_kept_stays(portal_of, store_path, events):
    anna = portal_of("anna")
    content = pdf(20_000, b"shared")
    brief = anna.upload(content, document_type="brief").json()
    kept = anna.upload(content, document_type="attachment").json()

    events.wait_for_one("document_erased", document_id=brief["document_id"])

    assert len(stored_files(store_path, "blobs")) == 1
    assert anna.download(kept["document_id"]).content == content


@pytest.fixture
def clock(monkeypatch) -> Clock:
    pinned = Clock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    monkeypatch.setattr(documents_service, "now", pinned)
    return pinned


def sweep_abandoned_uploads(container) -> None:
    """What DOCUMENTS.upload_sweep_seconds does by itself, once, now."""
    with entrypoint_hook(container, "clear_abandoned_uploads") as sweep:
        sweep()


def test_an_upload_idle_for_half_an_hour_is_closed_and_its_parts_removed(
    clock, platform, portal_of, store_path
):
    anna = portal_of("anna")
    content = pdf(3 * MIB, b"never completed")
    session = anna.start(content, part_size=MIB).json()
    upload_id = session["upload_id"]
    assert session["expires_at"] == "2026-12-01T09:30:00+00:00"
    clock.advance(minutes=20)
    assert anna.send_part(upload_id, 1, content[:MIB]).status_code == 200  # 09:50 now

    clock.advance(minutes=29)
    sweep_abandoned_uploads(platform)
    kept = anna.session.get(f"/api/v1/documents/uploads/{upload_id}", headers=anna.headers)
    assert kept.json()["status"] == "open"
    assert kept.json()["expires_at"] == "2026-12-01T09:50:00+00:00"
    assert stored_files(store_path, "staging") != []

    clock.advance(minutes=2)
    sweep_abandoned_uploads(platform)
    status = anna.session.get(f"/api/v1/documents/uploads/{upload_id}", headers=anna.headers)
    assert status.json()["status"] == "aborted"
    assert stored_files(store_path) == []
    late = anna.send_part(upload_id, 2, content[MIB : 2 * MIB])
    assert (late.status_code, late.json()["error"]["code"]) == (409, "upload_closed")


def test_a_completed_upload_is_not_touched_by_the_sweep(clock, platform, portal_of):
    anna = portal_of("anna")
    document = anna.upload(pdf(20_000, b"completed in time"), document_type="attachment").json()

    clock.advance(hours=2)
    sweep_abandoned_uploads(platform)

    assert anna.download(document["document_id"]).content == pdf(20_000, b"completed in time")
