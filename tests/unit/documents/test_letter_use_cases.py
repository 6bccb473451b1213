"""Letters the office asks for, through the use cases alone: written, sealed and filed as a
document once per key; refused when the letter lacks its values; previewed without a trace."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from services.common.errors import ServiceError
from services.common.loading import load
from services.documents.schemas import LetterRequest
from services.documents.use_cases import documents, letters
from tests.unit.documents.test_casework_use_cases import decided
from tests.unit.documents.world import ANNA, CARLA, OLAF, World, world


@pytest.fixture
def w(fake_uow, tmp_path) -> World:
    return world(fake_uow, tmp_path)


def receipt(**changes: Any) -> dict[str, Any]:
    values = {
        "case_number": "2026-BPA-000123",
        "application_title": "Bewohnerparkausweis",
        "recipient_name": "Anna Müller",
        "submitted_at": "2026-11-25T13:05:00+00:00",
        "fee": "30.50",
        "attachments": ["Meldebescheinigung"],
        "processing_days": 10,
    }
    return {"kind": "receipt", "values": values, "owner": "anna", "case_id": "case-1", **changes}


def write(w: World, caller, letter: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    command = letters.GenerateLetter(caller, load(LetterRequest, letter), key)
    return letters.generate_letter(command, w.uow, w.clock, w.vault)


def test_a_clerks_letter_is_filed_final_into_their_departments_case_and_announced(w):
    letter = write(w, CARLA, receipt())

    assert letter["status"] == "final" and letter["owner"] == "anna"
    assert letter["document_type"] == "receipt" and letter["case_id"] == "case-1"
    [generated] = w.uow.payloads_of("document_generated")
    assert generated["kind"] == "receipt" and generated["size"] == letter["versions"][0]["size"]


def test_the_same_key_answers_the_same_letter_and_makes_no_other(w):
    first = write(w, CARLA, receipt(), key="letter-1")
    again = write(w, CARLA, receipt(), key="letter-1")

    assert again["document_id"] == first["document_id"]
    assert len(w.uow.payloads_of("document_generated")) == 1


def test_a_letter_lacking_its_values_is_refused_and_nothing_is_stored(w):
    values = {"application_title": "Bewohnerparkausweis", "recipient_name": "  "}

    with pytest.raises(ServiceError) as refused:
        write(w, CARLA, receipt(values=values))

    assert (
        refused.value.code == "invalid_input" and "case_number" in refused.value.details["values"]
    )
    assert w.uow.published == [] and w.stored("blobs") == []


def test_a_clerk_may_not_write_into_another_departments_case(w):
    with pytest.raises(ServiceError) as refused:
        write(w, OLAF, receipt(case_department="traffic"))

    assert refused.value.code == "forbidden" and w.uow.published == []


def test_a_decision_letter_is_previewed_as_a_pdf_and_nothing_is_kept(w):
    preview = letters.preview_decision_letter(letters.PreviewDecision(decided()), w.vault)

    assert preview["media_type"] == "application/pdf"
    assert base64.b64decode(preview["content"]).startswith(b"%PDF")
    assert w.uow.commits == 0 and w.stored(".") == []


def test_a_preview_of_facts_that_are_no_decision_is_refused(w):
    with pytest.raises(ServiceError) as refused:
        letters.preview_decision_letter(letters.PreviewDecision(decided(decision="maybe")), w.vault)

    assert refused.value.code == "invalid_input" and "decision" in refused.value.details


def test_a_citizen_reads_the_letter_written_for_them(w):
    letter = write(w, CARLA, receipt())

    command = documents.DocumentOf(ANNA, letter["document_id"])
    assert documents.get_document(command, w.uow, w.clock)["title"] == letter["title"]
