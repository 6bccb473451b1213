"""A client that lost the answer sends the same request again with the same Idempotency-Key:
it gets the first answer, and nothing is made twice."""

from __future__ import annotations

import pytest

from tests.documents.test_generated import RECEIPT
from tests.support.documents import MIB, pdf, sha

UPLOADS = "/api/v1/documents/uploads"
LETTERS = "/api/v1/documents/letters"

TRAFFIC = ("traffic",)  # the department of the parking permits (2026-BPA-...)


def announcement(content: bytes, **changes) -> dict:
    return {
        "document_type": "attachment",
        "title": "Nachweis",
        "media_type": "application/pdf",
        "size": len(content),
        "sha256": sha(content),
        **changes,
    }


def keyed(portal, key: str) -> dict[str, str]:
    return {**portal.headers, "Idempotency-Key": key}


def start(portal, key: str, body: dict):
    return portal.session.post(UPLOADS, json=body, headers=keyed(portal, key))


def documents_of(portal, **filters) -> list[dict]:
    listed = portal.session.get("/api/v1/documents", params=filters, headers=portal.headers)
    assert listed.status_code == 200, listed.text
    return listed.json()["documents"]


def test_starting_an_upload_again_with_its_key_answers_the_same_session_and_makes_no_other(
    portal_of,
):
    anna = portal_of("anna")
    content = pdf(2 * MIB, b"sent twice")
    body = announcement(content, part_size=MIB)
    first = start(anna, "start-7f3a", body)
    assert first.status_code == 201, first.text
    upload_id = first.json()["upload_id"]
    assert anna.send_part(upload_id, 1, content[:MIB]).status_code == 200

    again = start(anna, "start-7f3a", body)

    assert again.status_code == 201, again.text
    assert again.json()["upload_id"] == upload_id
    assert again.json()["missing"] == [2]  # the session as it is now: part 1 has arrived
    assert anna.send_part(upload_id, 2, content[MIB:]).status_code == 200
    completed = anna.complete(upload_id)
    assert completed.status_code == 201, completed.text
    assert [d["document_id"] for d in documents_of(anna)] == [completed.json()["document_id"]]


def test_the_same_key_with_another_upload_is_refused(portal_of):
    anna = portal_of("anna")
    assert start(anna, "start-7f3a", announcement(pdf(1000, b"one"))).status_code == 201

    other = start(anna, "start-7f3a", announcement(pdf(1000, b"another")))

    assert other.status_code == 409, other.text
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_another_citizen_with_the_same_key_starts_an_upload_of_their_own(portal_of):
    anna, ben = portal_of("anna"), portal_of("ben")
    body = announcement(pdf(1000, b"the same announcement"))
    annas = start(anna, "start-7f3a", body).json()["upload_id"]

    bens = start(ben, "start-7f3a", body)

    assert bens.status_code == 201, bens.text
    assert bens.json()["upload_id"] != annas
    assert ben.session.get(f"{UPLOADS}/{annas}", headers=ben.headers).status_code == 404


def test_a_refused_upload_takes_the_same_key_again_once_put_right(portal_of):
    anna = portal_of("anna")
    too_large = announcement(pdf(1000, b"x"), size=10_000 * MIB)
    refused = start(anna, "start-7f3a", too_large)
    assert refused.json()["error"]["code"] == "document_too_large"

    started = start(anna, "start-7f3a", announcement(pdf(1000, b"x")))

    assert started.status_code == 201, started.text


@pytest.mark.parametrize("key", ["", "k" * 201])
def test_an_empty_or_overlong_key_is_invalid_input(portal_of, key):
    anna = portal_of("anna")

    answer = start(anna, key, announcement(pdf(1000)))

    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "invalid_input"
    assert "idempotency_key" in answer.json()["error"]["details"]


def test_a_letter_made_again_with_its_key_is_the_same_letter(portal_of):
    clerk = portal_of("clerk-claudia", "clerk", TRAFFIC)
    first = clerk.session.post(LETTERS, json=RECEIPT, headers=keyed(clerk, "receipt-123"))
    assert first.status_code == 201, first.text

    again = clerk.session.post(LETTERS, json=RECEIPT, headers=keyed(clerk, "receipt-123"))
    changed = {**RECEIPT, "language": "en"}
    reused = clerk.session.post(LETTERS, json=changed, headers=keyed(clerk, "receipt-123"))

    assert again.status_code == 201, again.text
    assert again.json()["document_id"] == first.json()["document_id"]
    assert reused.status_code == 409, reused.text
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    filed = documents_of(clerk, case_id=RECEIPT["case_id"])
    assert [d["document_id"] for d in filed] == [first.json()["document_id"]]


def test_another_clerk_with_the_same_key_makes_a_letter_of_their_own(portal_of):
    claudia = portal_of("clerk-claudia", "clerk", TRAFFIC)
    konrad = portal_of("clerk-konrad", "clerk", TRAFFIC)
    first = claudia.session.post(LETTERS, json=RECEIPT, headers=keyed(claudia, "receipt-123"))

    second = konrad.session.post(LETTERS, json=RECEIPT, headers=keyed(konrad, "receipt-123"))

    assert second.status_code == 201, second.text
    assert second.json()["document_id"] != first.json()["document_id"]
    assert len(documents_of(claudia, case_id=RECEIPT["case_id"])) == 2
