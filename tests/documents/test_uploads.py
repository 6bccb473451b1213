"""Uploading through the gateway: parts, hashes, types, sizes, resuming, versions, dedup."""

from __future__ import annotations

import socket

import pytest

from tests.support.documents import MIB, contains, pdf, sha, stored_files

ZIP = b"PK\x03\x04" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 300


def test_a_citizen_uploads_a_pdf_and_reads_it_back_through_a_download_link(
    portal_of, store_path, events
):
    anna = portal_of("anna")
    content = pdf(300_000, b"anna's certificate")

    completed = anna.upload(content, title="Meldebescheinigung", filename="bescheinigung.pdf")

    assert completed.status_code == 201, completed.text
    document = completed.json()
    assert document["owner"] == "anna" and document["status"] == "draft"
    assert document["versions"][0]["media_type"] == "application/pdf"
    assert document["versions"][0]["sha256"] == sha(content)
    download = anna.download(document["document_id"])
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    stored = events.wait_for_one("document_stored", document_id=document["document_id"])
    assert stored["payload"]["size"] == len(content) and "title" not in stored["payload"]


@pytest.mark.parametrize(
    ("filename", "disposition"),
    [
        ("../../etc/passwd", "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"),
        ("C:\\temp\\x.pdf", "attachment; filename=\"x.pdf\"; filename*=UTF-8''x.pdf"),
        (
            'Bescheid Müller "final".pdf',
            'attachment; filename="Bescheid Muller final.pdf"; '
            "filename*=UTF-8''Bescheid%20M%C3%BCller%20final.pdf",
        ),
        (
            "Bescheid\r\nSet-Cookie: a=b.pdf",
            'attachment; filename="Bescheid Set-Cookie: a=b.pdf"; '
            "filename*=UTF-8''Bescheid%20Set-Cookie%3A%20a%3Db.pdf",
        ),
    ],
)
def test_a_download_is_saved_under_the_cleaned_last_component_of_the_uploaded_name(
    portal_of, filename, disposition
):
    anna = portal_of("anna")
    completed = anna.upload(pdf(2_000, filename.encode()), filename=filename)
    assert completed.status_code == 201, completed.text

    download = anna.download(completed.json()["document_id"])

    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == disposition
    assert "Set-Cookie" not in download.headers


def test_a_download_whose_names_leave_nothing_is_named_by_its_type_and_id(portal_of):
    anna = portal_of("anna")
    completed = anna.upload(pdf(2_000, b"nameless"), filename="../", title="..")
    document_id = completed.json()["document_id"]

    download = anna.download(document_id)

    name = f"attachment-{document_id}.pdf"
    assert download.headers["Content-Disposition"] == (
        f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    )


def test_a_download_link_to_the_current_version_needs_no_body(portal_of):
    anna = portal_of("anna")
    content = pdf(2_000, b"no body")
    document_id = anna.upload(content).json()["document_id"]

    link = anna.session.post(f"/api/v1/documents/{document_id}/download-link", headers=anna.headers)

    assert link.request.headers.get("Content-Type") is None
    assert link.status_code == 200, link.text
    assert anna.session.get(link.json()["url"]).content == content


def test_what_is_stored_on_disk_is_encrypted(portal_of, store_path):
    content = b"%PDF-1.7\n" + b"Steuer-ID 12 345 678 901 " * 2000

    assert portal_of("anna").upload(content).status_code == 201

    files = stored_files(store_path, "blobs")
    assert files, "the content is stored"
    assert not any(contains(path, b"Steuer-ID") for path in files)
    assert not any(sha(content) in str(path) for path in files), "addresses do not confirm a hash"


def test_a_large_upload_arrives_in_parts_in_any_order_and_resumes_after_a_gap(portal_of):
    anna = portal_of("anna")
    content = pdf(3 * MIB + 12_345, b"a scanned building plan")
    session = anna.start(content, document_type="plan", part_size=MIB).json()
    assert session["parts"] == 4

    for number in (4, 2, 1):
        piece = content[(number - 1) * MIB : number * MIB]
        assert anna.send_part(session["upload_id"], number, piece).status_code == 200
    early = anna.complete(session["upload_id"])
    assert early.status_code == 409 and early.json()["error"]["code"] == "upload_incomplete"
    assert early.json()["error"]["details"]["missing"] == [3]
    status = anna.session.get(
        f"/api/v1/documents/uploads/{session['upload_id']}", headers=anna.headers
    ).json()
    assert status["missing"] == [3]
    assert anna.send_part(session["upload_id"], 3, content[2 * MIB : 3 * MIB]).status_code == 200
    completed = anna.complete(session["upload_id"])

    assert completed.status_code == 201, completed.text
    assert anna.download(completed.json()["document_id"]).content == content
    again = anna.complete(session["upload_id"])
    assert (
        again.status_code == 201 and again.json()["document_id"] == completed.json()["document_id"]
    )


def test_a_part_whose_hash_does_not_match_is_refused_with_its_number_and_can_be_resent(portal_of):
    anna = portal_of("anna")
    content = pdf(2 * MIB, b"two parts")
    session = anna.start(content, part_size=MIB).json()
    second = content[MIB:]

    refused = anna.send_part(session["upload_id"], 2, second, digest=sha(b"something else"))

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "part_hash_mismatch"
    assert refused.json()["error"]["details"]["part"] == 2
    assert anna.send_part(session["upload_id"], 2, second).status_code == 200
    assert anna.send_part(session["upload_id"], 1, content[:MIB]).status_code == 200
    assert anna.complete(session["upload_id"]).status_code == 201


def test_a_whole_that_is_not_the_announced_content_is_refused(portal_of, store_path):
    anna = portal_of("anna")
    content = pdf(2 * MIB, b"announced")
    session = anna.start(content, part_size=MIB, sha256=sha(b"another whole")).json()
    anna.send_part(session["upload_id"], 1, content[:MIB])
    anna.send_part(session["upload_id"], 2, content[MIB:])

    refused = anna.complete(session["upload_id"])

    assert refused.status_code == 400 and refused.json()["error"]["code"] == "content_hash_mismatch"
    assert stored_files(store_path, "staging") == []


def test_an_archive_declared_as_a_pdf_is_refused_and_leaves_nothing(portal_of, store_path, events):
    anna = portal_of("anna")
    session = anna.start(ZIP, media_type="application/pdf").json()

    refused = anna.send_part(session["upload_id"], 1, ZIP)

    assert refused.status_code == 415
    assert refused.json()["error"]["code"] == "media_type_not_allowed"
    assert refused.json()["error"]["details"]["found"] == "archive"
    assert stored_files(store_path) == []
    rejected = events.wait_for_one("document_rejected", upload_id=session["upload_id"])
    assert rejected["payload"]["reason"] == "type"
    closed = anna.complete(session["upload_id"])
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "upload_closed"


def test_content_that_is_not_what_was_declared_is_refused(portal_of):
    refused = portal_of("anna").upload(PNG, media_type="application/pdf")

    assert refused.status_code == 415
    assert refused.json()["error"]["code"] == "media_type_mismatch"
    assert refused.json()["error"]["details"] == {
        "declared": "application/pdf",
        "found": "image/png",
    }


def test_a_type_the_document_type_does_not_take_is_refused_before_any_byte(portal_of, events):
    refused = portal_of("anna").start(b"x" * 100, document_type="photo", media_type="text/plain")

    assert refused.status_code == 415
    assert refused.json()["error"]["details"]["allowed"] == ["image/jpeg", "image/png"]
    assert events.wait_for_one("document_rejected", reason="type")


def test_a_document_larger_than_its_type_allows_is_refused_before_any_byte(portal_of, events):
    refused = portal_of("anna").start(
        b"", size=16 * MIB, document_type="photo", media_type="image/png"
    )

    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "document_too_large"
    assert refused.json()["error"]["details"]["max_bytes"] == 15 * MIB
    assert events.wait_for_one("document_rejected", reason="size")


def test_sizes_are_64_bit_a_5_gib_plan_is_announced_in_parts(portal_of):
    five_gib = 5 * 1024**3

    started = portal_of("anna").start(b"", size=five_gib, document_type="plan", sha256="a" * 64)

    assert started.status_code == 201, started.text
    assert started.json()["size"] == five_gib
    assert started.json()["parts"] == five_gib // (64 * MIB)


def test_an_upload_broken_off_midway_keeps_nothing_and_can_be_resent(
    portal_of, store_path, web_config_port
):
    anna = portal_of("anna")
    content = pdf(2 * MIB, b"broken off")
    session = anna.start(content).json()
    path = f"/api/v1/documents/uploads/{session['upload_id']}/parts/1"
    head = (
        f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(content)}\r\n"
        f"Authorization: {anna.headers['Authorization']}\r\n"
        f"X-Content-SHA256: {sha(content)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", web_config_port)) as connection:
        connection.sendall(head + content[: MIB // 2])

    status = anna.session.get(
        f"/api/v1/documents/uploads/{session['upload_id']}", headers=anna.headers
    )
    assert status.json()["missing"] == [1]
    assert _eventually_empty(store_path)
    assert anna.send_part(session["upload_id"], 1, content).status_code == 200
    assert anna.complete(session["upload_id"]).status_code == 201


def _eventually_empty(store_path) -> bool:
    from tests.support.waiting import wait_for

    wait_for(lambda: stored_files(store_path) == [], timeout=5)
    return True


def test_identical_content_is_stored_once_and_each_citizen_reads_their_own(portal_of, store_path):
    content = pdf(500_000, b"the same form")
    first = portal_of("anna").upload(content).json()
    second = portal_of("bernd").upload(content).json()

    assert first["document_id"] != second["document_id"]
    assert len(stored_files(store_path, "blobs")) == 1
    assert portal_of("bernd").download(second["document_id"]).content == content


def test_a_new_upload_of_a_document_adds_a_version_and_every_version_stays_fetchable(
    portal_of, events
):
    anna = portal_of("anna")
    first = pdf(100_000, b"first draft")
    second = pdf(120_000, b"second draft")
    document = anna.upload(first).json()

    added = anna.upload(second, document_id=document["document_id"])

    assert added.status_code == 201, added.text
    versions = added.json()["versions"]
    assert [(v["number"], v["current"]) for v in versions] == [(1, False), (2, True)]
    assert anna.download(document["document_id"]).content == second
    assert anna.download(document["document_id"], version=1).content == first
    assert events.wait_for_one("document_version_added", document_id=document["document_id"])


def test_an_aborted_upload_removes_what_was_sent(portal_of, store_path):
    anna = portal_of("anna")
    content = pdf(2 * MIB, b"aborted")
    session = anna.start(content, part_size=MIB).json()
    anna.send_part(session["upload_id"], 1, content[:MIB])

    aborted = anna.session.delete(
        f"/api/v1/documents/uploads/{session['upload_id']}", headers=anna.headers
    )

    assert aborted.status_code == 204
    assert stored_files(store_path) == []
