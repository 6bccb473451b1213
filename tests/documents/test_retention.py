"""Retention: expired documents are crypto-shredded, tombstoned and announced; a hold stops it."""

from __future__ import annotations

import pytest
import yaml

from services.common.migrations import upgrade
from services.common.settings import database_url
from services.documents.kinds import DEFAULT_FILE
from services.documents.service import DocumentsService
from tests.documents.conftest import MIB, OFFICE, Portal, pdf, stored_files
from tests.support.waiting import wait_for

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
def abandoned_settings(document_settings):
    return {**document_settings, "upload_hours": 0.5 / 3600}


def test_parts_of_an_upload_never_completed_are_removed(
    platform_config,
    container_factory,
    start_gateway,
    abandoned_settings,
    web_session,
    login,
    store_path,
):

    upgrade("documents", database_url("documents"))
    container_factory(DocumentsService, {"DOCUMENTS": abandoned_settings, "OFFICE": OFFICE}).start()
    start_gateway(gateway={"documents_url": f"http://{abandoned_settings['data_address']}"})
    anna = Portal(web_session, login("citizen", "anna"))
    content = pdf(2 * MIB, b"never completed")
    session = anna.start(content, part_size=MIB).json()
    assert anna.send_part(session["upload_id"], 1, content[:MIB]).status_code == 200

    wait_for(lambda: stored_files(store_path) == [], timeout=5)

    status = anna.session.get(
        f"/api/v1/documents/uploads/{session['upload_id']}", headers=anna.headers
    )
    assert status.json()["status"] == "aborted"
