"""Every answer the documents service gives has the shape its entrypoint declares.

Each RPC's and data plane route's body runs on a stand-in for the service (its caller, the
fake unit of work, the vault), and what it answers is checked against the schema it declares
(`@rpc(answers=...)`): no field the schema does not name, none it requires missing, and
dumping it changes nothing, so the caller gets what the use case made. The gateway's routes
answer in those same schemas rather than describing the answers again.
"""

from __future__ import annotations

import inspect
from types import SimpleNamespace
from typing import Any

import pytest
from nameko import config

from services.common import answers
from services.common.context import Caller
from services.common.rpc_entrypoint import Rpc
from services.documents import schemas
from services.documents.data_plane import DataRoute
from services.documents.service import DocumentsService
from services.documents.use_cases import retention
from services.gateway.documents import DocumentRoutes
from services.gateway.http import Route
from tests.unit.documents.test_casework_use_cases import decided
from tests.unit.documents.test_letter_use_cases import receipt
from tests.unit.documents.world import ALEX, ANNA, CARLA, World, pdf, sha, world


@pytest.fixture
def w(fake_uow, tmp_path) -> World:
    return world(fake_uow, tmp_path)


def entrypoint(name: str) -> Rpc | DataRoute:
    method = getattr(DocumentsService, name)
    [found] = [e for e in method.nameko_entrypoints if isinstance(e, Rpc | DataRoute)]
    return found


def call(w: World, caller: Caller | None, name: str, *args: Any) -> Any:
    """The RPC `name` as the service runs it, on a stand-in for the service: its answer
    checked against the schema it declares, and dumped through it unchanged."""
    service = SimpleNamespace(caller=caller, db=w.uow, vault=w.vault)
    answer = getattr(DocumentsService, name)(service, *args)
    return within_contract(name, answer)


def within_contract(name: str, answer: Any) -> Any:
    declared = entrypoint(name)
    many = getattr(declared, "many", False)
    assert declared.answers is not None, f"{name} declares no schema for its answer"
    assert answers.mismatches(declared.answers(), answer, many=many) == []
    with config.patch({"RPC_STRICT_ANSWERS": True}):
        dumped = answers.answer(declared.answers, answer, many=many, where=name)
    assert dumped == answer
    return answer


def own_methods() -> list[tuple[str, Any]]:
    return [
        (name, member)
        for name, member in vars(DocumentsService).items()
        if inspect.isfunction(member)
        and any(isinstance(e, Rpc | DataRoute) for e in getattr(member, "nameko_entrypoints", ()))
    ]


@pytest.fixture
def annas(w) -> dict[str, Any]:
    return w.store(ANNA, pdf(1500, b"annas"), title="Meldebescheinigung")


# every entrypoint declares its answer


def test_every_rpc_and_data_route_that_answers_json_declares_the_schema_of_its_answer():
    for name, method in own_methods():
        returns = inspect.signature(method).return_annotation
        declared = entrypoint(name).answers
        if returns in ("None", "Response"):
            assert declared is None, f"{name} answers nothing to describe"
        else:
            assert declared is not None, f"{name} answers without a declared schema"
            assert declared.__module__ == schemas.__name__, f"{name}: not the service's schema"


def test_the_gateways_document_routes_answer_in_the_services_own_schemas():
    wrapped = {"document_types": "DocumentTypeList", "file_into_case": "FiledList"}
    for name, member in vars(DocumentRoutes).items():
        for route in getattr(member, "nameko_entrypoints", ()):
            if not isinstance(route, Route) or route.response is None:
                continue
            if name in wrapped:
                # the gateway wraps the service's list in an object of its own
                assert route.response.__name__ == wrapped[name]
                continue
            assert route.response is getattr(schemas, route.response.__name__), name


def test_the_lists_the_gateway_wraps_answers_in_hold_the_services_schemas():
    from services.gateway import document_schemas

    listed = document_schemas.DocumentTypeList().fields["document_types"].inner
    filed = document_schemas.FiledList().fields["documents"].inner

    assert type(listed.schema) is schemas.DocumentTypeView
    assert type(filed.schema) is schemas.DocumentView


# uploads


def test_a_started_upload_answers_its_open_session_with_every_part_still_missing(w):
    content = pdf(2048, b"start")
    upload = {
        "document_type": "attachment",
        "title": "Meldebescheinigung",
        "media_type": "application/pdf",
        "size": len(content),
        "sha256": sha(content),
    }

    session = call(w, ANNA, "start_upload", upload, "key-1")

    assert session["status"] == "open" and session["missing"] == [1]
    assert session["received"] == [] and session["document_id"] is None


def test_an_upload_status_lists_the_parts_received_and_the_document_once_completed(w):
    content = pdf(2048, b"status")
    upload_id = w.announce(ANNA, content)["upload_id"]
    w.send(ANNA, upload_id, content)

    received = call(w, ANNA, "upload_status", upload_id)
    document = w.complete(ANNA, upload_id)
    completed = call(w, ANNA, "upload_status", upload_id)

    assert received["received"][0]["sha256"] == sha(content) and received["missing"] == []
    assert completed["status"] == "completed"
    assert completed["document_id"] == document["document_id"]


def test_a_part_received_and_an_upload_completed_answer_in_the_data_routes_schemas(w):
    content = pdf(2048, b"parts")
    upload_id = w.announce(ANNA, content)["upload_id"]

    part = within_contract("receive_part", w.send(ANNA, upload_id, content))
    document = within_contract("complete_upload", w.complete(ANNA, upload_id))

    assert part == {"number": 1, "size": 2048, "sha256": sha(content)}
    assert document["versions"][0]["sha256"] == sha(content)


# reading


def test_a_document_seen_by_its_citizen_answers_with_every_version(w, annas):
    seen = call(w, ANNA, "get_document", annas["document_id"])

    assert seen["document_id"] == annas["document_id"] and len(seen["versions"]) == 1


def test_an_erased_documents_tombstone_answers_in_the_same_schema_with_its_nulls(w, annas):
    w.clock.advance(days=2191)
    retention.keep_retention(w.uow, w.clock, w.vault)

    tombstone = call(w, ALEX, "get_document", annas["document_id"])

    assert tombstone["status"] == "erased" and tombstone["title"] is None
    assert tombstone["erased_at"] is not None


def test_a_list_of_documents_answers_their_summaries_without_versions(w, annas):
    mine = call(w, ANNA, "list_documents", {})
    everyone = call(w, ALEX, "list_documents", None)

    assert mine["count"] == 1 and "versions" not in mine["documents"][0]
    assert [d["document_id"] for d in everyone["documents"]] == [annas["document_id"]]


def test_a_download_link_answers_its_url_version_and_expiry(w, annas):
    link = call(w, ANNA, "download_link", annas["document_id"], None)

    assert link["version"] == 1 and link["url"].startswith("/api/v1/documents/download/")


def test_the_document_types_answer_as_a_list_of_types(w):
    types = call(w, None, "document_types")

    assert {"attachment", "receipt"} <= {kind["key"] for kind in types}
    assert all(isinstance(kind["retention_days"], float) for kind in types)


# changing


def test_a_changed_document_answers_its_view(w, annas):
    changed = call(w, ANNA, "update_document", annas["document_id"], {"title": "Neuer Titel"})

    assert changed["title"] == "Neuer Titel"


def test_documents_filed_into_a_case_answer_as_a_list_of_views(w, annas):
    filed = call(
        w, CARLA, "file_into_case", [annas["document_id"]], {"case_id": "case-1", "owner": "anna"}
    )

    assert [d["case_id"] for d in filed] == ["case-1"] and filed[0]["status"] == "final"


def test_a_legal_hold_answers_the_held_document(w, annas):
    held = call(
        w, ALEX, "set_legal_hold", annas["document_id"], {"hold": True, "reason": "Gericht"}
    )

    assert held["legal_hold"] is True


# letters and the audit trail


def test_a_generated_letter_answers_its_document(w):
    letter = call(w, CARLA, "generate_letter", receipt(), "letter-1")

    assert letter["document_type"] == "receipt" and letter["versions"][0]["current"] is True


def test_a_previewed_decision_letter_answers_its_title_and_pdf(w):
    preview = call(w, CARLA, "preview_decision_letter", decided())

    assert preview["media_type"] == "application/pdf" and preview["content"]


def test_the_audit_trail_answers_its_entries_and_where_the_next_page_starts(w, annas):
    call(w, ANNA, "get_document", annas["document_id"])

    first = call(w, ALEX, "audit_trail", {"limit": 1})
    whole = call(w, ALEX, "audit_trail", None)

    assert len(first["entries"]) == 1 and first["next_before"] == first["entries"][0]["id"]
    assert whole["next_before"] is None and len(whole["entries"]) > 1
