"""Uploading a document, through the use cases alone: announced, sent in parts, completed;
refused for its type, size or content; abandoned; a new version of a document."""

from __future__ import annotations

import pytest

from services.common.errors import ServiceError
from services.documents.use_cases import receiving, retention, uploads
from tests.unit.documents.world import ANNA, BERT, CARLA, World, pdf, sha, world

MIB = 1024 * 1024


@pytest.fixture
def w(fake_uow, tmp_path) -> World:
    return world(fake_uow, tmp_path)


def refused(call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_a_citizens_upload_is_stored_as_their_draft_and_announced(w):
    content = pdf(4096, b"meldebescheinigung")

    document = w.store(ANNA, content, title="Meldebescheinigung")

    assert document["status"] == "draft" and document["owner"] == "anna"
    assert document["title"] == "Meldebescheinigung" and document["current_version"] == 1
    assert [v["media_type"] for v in document["versions"]] == ["application/pdf"]
    assert w.uow.published_types() == ["document_stored"]
    [stored] = w.uow.payloads_of("document_stored")
    assert stored["owner"] == "anna" and stored["sha256"] == sha(content)
    assert stored["size"] == 4096 and stored["version"] == 1


def test_nothing_is_announced_before_the_upload_completes(w):
    content = pdf(2048, b"halfway")
    upload = w.announce(ANNA, content)

    w.send(ANNA, upload["upload_id"], content)

    assert w.uow.published == []


def test_a_session_names_its_parts_and_what_is_still_missing(w):
    upload = w.announce(ANNA, pdf(MIB + 10), part_size=MIB)

    status = uploads.upload_status(uploads.UploadOf(ANNA, upload["upload_id"]), w.uow)

    assert status["status"] == "open" and status["parts"] == 2
    assert status["missing"] == [1, 2] and status["received"] == []


def test_a_received_part_is_listed_with_its_size_and_hash(w):
    content = pdf(MIB + 10, b"two parts")
    upload_id = w.announce(ANNA, content, part_size=MIB)["upload_id"]

    answer = w.send(ANNA, upload_id, content[:MIB], number=1)

    status = uploads.upload_status(uploads.UploadOf(ANNA, upload_id), w.uow)
    assert answer == {"number": 1, "size": MIB, "sha256": sha(content[:MIB])}
    assert status["received"] == [answer] and status["missing"] == [2]


def test_an_upload_in_two_parts_is_stored_whole(w):
    content = pdf(MIB + 10, b"two parts")
    upload_id = w.announce(ANNA, content, part_size=MIB)["upload_id"]
    w.send(ANNA, upload_id, content[MIB:], number=2)
    w.send(ANNA, upload_id, content[:MIB], number=1)

    document = w.complete(ANNA, upload_id)

    assert document["versions"][0]["size"] == MIB + 10
    assert w.uow.payloads_of("document_stored")[0]["sha256"] == sha(content)


def test_another_citizen_does_not_learn_of_an_upload(w):
    upload_id = w.announce(ANNA, pdf(1000))["upload_id"]

    error = refused(uploads.upload_status, uploads.UploadOf(BERT, upload_id), w.uow)

    assert error.code == "upload_not_found"


def test_a_media_type_the_document_type_does_not_take_is_refused_and_announced(w):
    error = refused(w.announce, ANNA, pdf(1000), document_type="photo")

    assert error.code == "media_type_not_allowed"
    assert error.details["allowed"] == ["image/jpeg", "image/png"]
    [rejected] = w.uow.payloads_of("document_rejected")
    assert rejected["reason"] == "type" and rejected["detail"] == "application/pdf"
    assert rejected["owner"] == "anna" and rejected["upload_id"] == "refused-at-start"


def test_an_upload_larger_than_its_type_allows_is_refused_before_a_byte_is_sent(w):
    content = pdf(1000)
    spec = {"document_type": "photo", "media_type": "image/png", "size": 16 * MIB}

    error = refused(w.announce, ANNA, content, **spec)

    assert error.code == "document_too_large" and error.details["max_bytes"] == 15 * MIB
    [rejected] = w.uow.payloads_of("document_rejected")
    assert rejected["reason"] == "size" and rejected["detail"] == str(16 * MIB)


def test_a_letter_type_is_not_uploaded_and_nothing_is_announced(w):
    error = refused(w.announce, ANNA, pdf(1000), document_type="receipt")

    assert error.code == "invalid_input" and w.uow.published == []


def test_a_citizen_may_not_file_an_upload_into_a_case(w):
    error = refused(w.announce, ANNA, pdf(1000), case_id="case-1")

    assert error.code == "forbidden" and w.uow.published == []


def test_a_clerks_upload_into_a_case_is_readable_by_their_department(w):
    document = w.store(CARLA, case_id="case-1", owner="anna")

    assert document["case_id"] == "case-1" and document["owner"] == "anna"


def test_starting_again_with_the_same_key_answers_the_same_session(w):
    content = pdf(1000, b"once")

    first = w.announce(ANNA, content, key="k-1")
    again = w.announce(ANNA, content, key="k-1")

    assert again["upload_id"] == first["upload_id"]


def test_a_part_whose_bytes_do_not_have_its_hash_is_refused_and_not_kept(w):
    content = pdf(1000, b"broken")
    upload_id = w.announce(ANNA, content)["upload_id"]
    command = receiving.ReceivePart(ANNA, upload_id, 1, 1000, sha(b"other"), [content])
    error = refused(receiving.receive_part, command, w.uow, w.clock, w.vault)

    assert error.code == "part_hash_mismatch" and error.details["part"] == 1
    assert w.stored(f"staging/{upload_id}") == []


def test_a_part_of_another_length_than_the_session_expects_is_refused(w):
    upload_id = w.announce(ANNA, pdf(1000))["upload_id"]

    error = refused(w.send, ANNA, upload_id, pdf(999))

    assert error.code == "part_size_mismatch" and error.details["expected"] == 1000


def test_a_part_number_the_upload_does_not_have_is_refused(w):
    upload_id = w.announce(ANNA, pdf(1000))["upload_id"]

    error = refused(w.send, ANNA, upload_id, pdf(1000), number=2)

    assert error.code == "part_out_of_range" and error.details["parts"] == 1


def test_content_that_is_not_what_was_declared_is_refused_and_the_session_closed(w):
    content = b"just some words, no PDF at all\n" * 20
    upload_id = w.announce(ANNA, content)["upload_id"]

    error = refused(w.send, ANNA, upload_id, content)

    assert error.code in ("media_type_mismatch", "media_type_not_allowed")
    status = uploads.upload_status(uploads.UploadOf(ANNA, upload_id), w.uow)
    assert status["status"] == "refused"
    assert [e["reason"] for e in w.uow.payloads_of("document_rejected")] == ["type"]
    assert w.stored(f"staging/{upload_id}") == []


def test_completing_before_every_part_arrived_names_the_missing_ones(w):
    upload_id = w.announce(ANNA, pdf(1000))["upload_id"]

    error = refused(w.complete, ANNA, upload_id)

    assert error.code == "upload_incomplete" and error.details["missing"] == [1]
    assert w.uow.published == []


def test_content_other_than_announced_is_refused_when_completed(w):
    content = pdf(1000, b"sent")
    upload_id = w.announce(ANNA, content, sha256=sha(b"announced"))["upload_id"]
    w.send(ANNA, upload_id, content)

    error = refused(w.complete, ANNA, upload_id)

    assert error.code == "content_hash_mismatch" and error.details["received"] == sha(content)
    status = uploads.upload_status(uploads.UploadOf(ANNA, upload_id), w.uow)
    assert status["status"] == "refused" and w.uow.published == []


def test_a_completion_asked_again_answers_the_same_document_and_announces_it_once(w):
    content = pdf(1000, b"twice")
    upload_id = w.announce(ANNA, content)["upload_id"]
    w.send(ANNA, upload_id, content)

    first = w.complete(ANNA, upload_id)
    again = w.complete(ANNA, upload_id)

    assert again["document_id"] == first["document_id"]
    assert w.uow.published_types() == ["document_stored"]


def test_an_aborted_upload_takes_no_more_parts_and_keeps_nothing(w):
    content = pdf(MIB + 10, b"aborted")
    upload_id = w.announce(ANNA, content, part_size=MIB)["upload_id"]
    w.send(ANNA, upload_id, content[:MIB], number=1)

    uploads.abort_upload(uploads.UploadOf(ANNA, upload_id), w.uow, w.clock, w.vault)

    error = refused(w.send, ANNA, upload_id, content[MIB:], number=2)
    assert error.code == "upload_closed" and error.details == {"status": "aborted"}
    assert w.stored(f"staging/{upload_id}") == []


def test_a_new_version_of_an_own_document_is_announced_as_a_version(w):
    document = w.store(ANNA, pdf(1000, b"first"))

    again = w.store(ANNA, pdf(1000, b"second"), document_id=document["document_id"])

    assert again["document_id"] == document["document_id"] and again["current_version"] == 2
    assert w.uow.published_types() == ["document_stored", "document_version_added"]
    assert w.uow.payloads_of("document_version_added")[0]["version"] == 2


def test_another_citizen_cannot_add_a_version_to_a_document(w):
    document = w.store(ANNA, pdf(1000, b"annas"))

    error = refused(w.announce, BERT, pdf(1000, b"berts"), document_id=document["document_id"])

    assert error.code == "document_not_found"


def test_the_same_content_in_two_documents_is_stored_once(w):
    content = pdf(1000, b"shared")

    first = w.store(ANNA, content, title="One")
    second = w.store(ANNA, content, title="Two")

    assert first["document_id"] != second["document_id"]
    assert len(w.stored("blobs")) == 1


def test_an_upload_left_idle_is_closed_by_the_timer_and_its_parts_removed(w):
    content = pdf(MIB + 10, b"idle")
    upload_id = w.announce(ANNA, content, part_size=MIB)["upload_id"]
    w.send(ANNA, upload_id, content[:MIB], number=1)
    w.clock.advance(minutes=31)

    retention.clear_abandoned_uploads(w.uow, w.clock, w.vault)

    status = uploads.upload_status(uploads.UploadOf(ANNA, upload_id), w.uow)
    assert status["status"] == "aborted" and w.stored(f"staging/{upload_id}") == []


def test_an_upload_still_within_its_idle_time_is_left_open(w):
    upload_id = w.announce(ANNA, pdf(1000))["upload_id"]
    w.clock.advance(minutes=29)

    retention.clear_abandoned_uploads(w.uow, w.clock, w.vault)

    assert uploads.upload_status(uploads.UploadOf(ANNA, upload_id), w.uow)["status"] == "open"
