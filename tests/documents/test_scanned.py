"""A configured virus scanner (clamd) sees every upload before it is accepted."""

from __future__ import annotations

import pytest

from tests.support.documents import stored_files

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!H+H*"
NOTE = "Bitte um Rückruf wegen des Antrags.\n".encode()


@pytest.fixture
def document_settings(document_settings, fake_clamd):
    return {**document_settings, "scanner": fake_clamd.address}


def test_a_clean_upload_is_scanned_and_accepted(portal_of, fake_clamd):
    accepted = portal_of("anna").upload(NOTE, media_type="text/plain")

    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["versions"][0]["scanner"] == "clamd"
    assert fake_clamd.scanned == 1


def test_malware_is_quarantined_never_served_and_announced(portal_of, store_path, events):
    anna = portal_of("anna")
    infected = NOTE + EICAR + b"\n"

    refused = anna.upload(infected, media_type="text/plain")

    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "document_infected"
    assert refused.json()["error"]["details"]["signature"] == "Eicar-Test-Signature"
    assert stored_files(store_path, "blobs") == []
    assert stored_files(store_path, "quarantine"), "kept sealed for an admin to look into"
    listed = anna.session.get("/api/v1/documents", headers=anna.headers).json()
    assert listed["documents"] == []
    rejected = events.wait_for_one("document_rejected", reason="scan")
    assert rejected["payload"]["detail"] == "Eicar-Test-Signature"


def test_with_the_scanner_down_nothing_is_accepted_until_it_is_back(portal_of, fake_clamd):
    anna = portal_of("anna")
    session = anna.start(NOTE, media_type="text/plain").json()
    assert anna.send_part(session["upload_id"], 1, NOTE).status_code == 200
    address = fake_clamd.address
    fake_clamd.refuse_connections()

    unavailable = anna.complete(session["upload_id"])

    assert unavailable.status_code == 503
    assert unavailable.json()["error"]["code"] == "scanner_unavailable"
    assert address  # the session stays open: completing again once clamd is back works
    assert (
        anna.session.get(
            f"/api/v1/documents/uploads/{session['upload_id']}", headers=anna.headers
        ).json()["status"]
        == "open"
    )
