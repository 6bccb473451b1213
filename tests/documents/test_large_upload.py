"""A 5 GiB plan goes through the gateway in one streamed part: 64-bit sizes, flat memory."""

from __future__ import annotations

import hashlib
import http.client
import resource

from tests.support.documents import MIB, stored_files

FIVE_GIB = 5 * 1024**3
HEAD = b"%PDF-1.7\n"


def _content() -> tuple[bytes, bytes]:
    """The same 1 MiB block over and over, behind a PDF head: nothing of 5 GiB is held."""
    block = hashlib.sha256(b"plan").digest() * (MIB // 32)
    return HEAD, block


def _stream(head: bytes, block: bytes):
    yield head
    remaining = FIVE_GIB - len(head)
    while remaining > 0:
        piece = block[: min(MIB, remaining)]
        remaining -= len(piece)
        yield piece


def _whole_sha256(head: bytes, block: bytes) -> str:
    digest = hashlib.sha256()
    for piece in _stream(head, block):
        digest.update(piece)
    return digest.hexdigest()


def test_a_5_gib_file_is_accepted_when_its_type_allows_it(portal_of, store_path, web_config_port):
    anna = portal_of("anna")
    head, block = _content()
    whole = _whole_sha256(head, block)
    session = anna.start(b"", size=FIVE_GIB, sha256=whole, document_type="plan", part_size=FIVE_GIB)
    assert session.status_code == 201, session.text
    upload_id = session.json()["upload_id"]
    resident_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    connection = http.client.HTTPConnection("127.0.0.1", web_config_port, timeout=300)
    connection.request(
        "PUT",
        f"/api/v1/documents/uploads/{upload_id}/parts/1",
        body=_stream(head, block),  # 1 MiB at a time, with Content-Length: never chunked
        headers={**anna.headers, "X-Content-SHA256": whole, "Content-Length": str(FIVE_GIB)},
    )
    sent = connection.getresponse()
    answer = sent.read()
    connection.close()
    completed = anna.complete(upload_id)

    assert sent.status == 200, answer
    assert completed.status_code == 201, completed.text
    assert completed.json()["versions"][0]["size"] == FIVE_GIB
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - resident_before) / 1024
    assert grown_mib < 128, f"the test process (gateway and service in it) grew {grown_mib:.0f} MiB"
    (blob,) = stored_files(store_path, "blobs")
    assert blob.stat().st_size > FIVE_GIB  # sealed: each MiB with its nonce and tag
