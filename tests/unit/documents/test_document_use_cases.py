"""Stored documents, through the use cases alone: seen, listed, changed, filed into a case,
held, linked and read, erased at the end of their retention, and audited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.common.errors import ServiceError
from services.common.loading import load
from services.documents.schemas import AuditFilters, CaseFiling, ListFilters
from services.documents.use_cases import documents, retention
from tests.unit.documents.world import ALEX, ANNA, BERT, CARLA, MOMENT, OLAF, World, pdf, world


@pytest.fixture
def w(fake_uow, tmp_path) -> World:
    return world(fake_uow, tmp_path)


def refused(call, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    return caught.value


def view(w: World, caller, document_id: str) -> dict:
    return documents.get_document(documents.DocumentOf(caller, document_id), w.uow, w.clock)


def change(w: World, caller, document_id: str, **changes) -> dict:
    command = documents.UpdateDocument(caller, document_id, changes)
    return documents.update_document(command, w.uow, w.clock)


def file(w: World, caller, document_ids: list[str], **case) -> list[dict]:
    command = documents.FileIntoCase(caller, document_ids, load(CaseFiling, case))
    return documents.file_into_case(command, w.uow, w.clock)


def listed(w: World, caller, **filters) -> list[str]:
    command = documents.ListDocuments(caller, load(ListFilters, filters))
    return [d["document_id"] for d in documents.list_documents(command, w.uow)["documents"]]


def trail(w: World, **filters) -> list[dict]:
    command = documents.AuditQuery(load(AuditFilters, filters))
    return documents.audit_trail(command, w.uow)["entries"]


def link(w: World, caller, document_id: str, version: int | None = None) -> dict:
    command = documents.AskForLink(caller, document_id, version)
    return documents.download_link(command, w.uow, w.clock, w.vault)


def follow(w: World, url: str):
    command = documents.OpenDownload(url.rsplit("/", 1)[1])
    return documents.open_download(command, w.uow, w.clock, w.vault)


@pytest.fixture
def annas(w) -> dict:
    return w.store(ANNA, pdf(1000, b"annas"), title="Meldebescheinigung")


@pytest.fixture
def in_traffic_case(w, annas) -> dict:
    [filed] = file(w, CARLA, [annas["document_id"]], case_id="case-1", owner="anna")
    return filed


def test_a_citizen_sees_their_own_document_and_the_view_is_audited(w, annas):
    seen = view(w, ANNA, annas["document_id"])

    assert seen["title"] == "Meldebescheinigung" and len(seen["versions"]) == 1
    views = trail(w, document_id=annas["document_id"], action="view")
    assert [(e["actor"], e["action"]) for e in views] == [("anna", "view")]


def test_another_citizen_is_told_there_is_no_such_document(w, annas):
    error = refused(view, w, BERT, annas["document_id"])

    assert error.code == "document_not_found"
    assert trail(w, document_id=annas["document_id"], action="view") == []


def test_a_clerk_may_not_read_a_document_filed_in_no_case(w, annas):
    assert refused(view, w, CARLA, annas["document_id"]).code == "forbidden"


def test_a_clerk_of_the_cases_department_reads_a_document_filed_into_it(w, in_traffic_case):
    assert view(w, CARLA, in_traffic_case["document_id"])["case_id"] == "case-1"


def test_a_clerk_of_another_department_may_not_read_the_cases_document(w, in_traffic_case):
    assert refused(view, w, OLAF, in_traffic_case["document_id"]).code == "forbidden"


def test_an_admin_reads_every_document(w, annas):
    assert view(w, ALEX, annas["document_id"])["owner"] == "anna"


def test_a_citizen_finalises_their_draft_and_the_change_is_audited(w, annas):
    changed = change(w, ANNA, annas["document_id"], status="final", reason="fertig")

    assert changed["status"] == "final"
    [entry] = trail(w, document_id=annas["document_id"], action="update")
    assert entry["reason"] == "fertig"
    assert entry["details"] == {"status": {"from": "draft", "to": "final"}}


def test_a_citizen_may_not_archive_and_is_told_they_have_no_move(w, annas):
    change(w, ANNA, annas["document_id"], status="final")

    error = refused(change, w, ANNA, annas["document_id"], status="archived")

    assert error.code == "illegal_transition"
    assert error.details["from"] == "final" and error.details["to"] == "archived"
    assert error.details["allowed"] == []
    assert view(w, ANNA, annas["document_id"])["status"] == "final"


def test_a_final_document_does_not_go_back_to_draft_even_for_an_admin(w, annas):
    change(w, ANNA, annas["document_id"], status="final")

    error = refused(change, w, ALEX, annas["document_id"], status="draft")

    assert error.code == "illegal_transition" and error.details["allowed"] == ["archived"]


def test_a_draft_is_not_archived_before_it_is_final(w, annas):
    error = refused(change, w, ALEX, annas["document_id"], status="archived")

    assert error.code == "illegal_transition" and error.details["allowed"] == ["final"]


def test_the_office_archives_a_final_document_and_it_takes_no_more_changes(w, annas):
    change(w, ANNA, annas["document_id"], status="final")

    archived = change(w, ALEX, annas["document_id"], status="archived")
    error = refused(change, w, ALEX, annas["document_id"], title="Neu")

    assert archived["status"] == "archived" and error.code == "document_archived"


def test_a_change_to_what_a_document_already_is_records_nothing(w, annas):
    unchanged = change(w, ANNA, annas["document_id"], title="Meldebescheinigung")

    assert unchanged["modified_at"] == annas["modified_at"]
    assert trail(w, document_id=annas["document_id"], action="update") == []


def test_a_citizen_lists_only_their_own_documents(w, annas):
    w.store(BERT, pdf(1000, b"berts"))

    assert listed(w, ANNA) == [annas["document_id"]]


def test_a_clerk_names_the_case_whose_documents_to_list(w, in_traffic_case):
    error = refused(listed, w, CARLA)

    assert error.code == "invalid_input" and "case_id" in error.details


def test_a_clerk_lists_a_cases_documents_only_in_their_departments(w, in_traffic_case):
    assert listed(w, CARLA, case_id="case-1") == [in_traffic_case["document_id"]]
    assert listed(w, OLAF, case_id="case-1") == []


def test_a_document_filed_into_a_case_becomes_final_for_the_clerks_department(w, annas):
    [filed] = file(w, CARLA, [annas["document_id"]], case_id="case-1", reason="Antrag")

    assert filed["status"] == "final" and filed["case_id"] == "case-1"
    [entry] = trail(w, document_id=annas["document_id"], action="file")
    assert entry["details"] == {"case_id": "case-1", "case_department": "traffic"}


def test_a_clerk_may_not_file_into_another_departments_case(w, annas):
    error = refused(file, w, CARLA, [annas["document_id"]], case_id="c", case_department="parks")

    assert error.code == "forbidden" and view(w, ANNA, annas["document_id"])["case_id"] is None


def test_a_document_filed_in_one_case_is_not_filed_into_another(w, in_traffic_case):
    error = refused(file, w, CARLA, [in_traffic_case["document_id"]], case_id="case-2")

    assert error.code == "forbidden"


def test_filing_for_a_citizen_refuses_another_citizens_document(w, annas):
    error = refused(file, w, CARLA, [annas["document_id"]], case_id="case-1", owner="bert")

    assert error.code == "document_not_found"


def test_a_legal_hold_is_set_and_released_with_its_reason_in_the_trail(w, annas):
    hold = documents.SetLegalHold(ALEX, annas["document_id"], True, "Gerichtsverfahren")
    release = documents.SetLegalHold(ALEX, annas["document_id"], False, "abgeschlossen")

    held = documents.set_legal_hold(hold, w.uow, w.clock)
    released = documents.set_legal_hold(release, w.uow, w.clock)

    assert held["legal_hold"] is True and released["legal_hold"] is False
    actions = [(e["action"], e["reason"]) for e in trail(w, document_id=annas["document_id"])]
    assert ("legal_hold", "Gerichtsverfahren") in actions
    assert ("release_hold", "abgeschlossen") in actions


def test_a_download_link_grants_the_current_version_for_five_minutes(w, annas):
    granted = link(w, ANNA, annas["document_id"])

    assert granted["version"] == 1
    assert granted["expires_at"] == (MOMENT + timedelta(seconds=300)).isoformat()
    document, version, _blob = follow(w, granted["url"])
    assert document.id == annas["document_id"] and version.size == 1000


def test_a_link_to_a_version_the_document_does_not_have_is_refused(w, annas):
    error = refused(link, w, ANNA, annas["document_id"], 7)

    assert error.code == "unknown_version" and error.details == {"version": 7}


def test_a_link_followed_after_it_expired_is_refused(w, annas):
    granted = link(w, ANNA, annas["document_id"])
    w.clock.advance(seconds=301)

    assert refused(follow, w, granted["url"]).code == "link_expired"


def test_a_link_followed_is_recorded_as_a_read(w, annas):
    follow(w, link(w, ANNA, annas["document_id"])["url"])

    reads = trail(w, document_id=annas["document_id"], action="read")
    assert [(e["actor"], e["version"]) for e in reads] == [("anna", 1)]


def test_a_document_past_its_retention_is_erased_its_content_removed_and_announced(w, annas):
    w.clock.advance(days=2191)

    retention.keep_retention(w.uow, w.clock, w.vault)

    seen = view(w, ALEX, annas["document_id"])
    assert seen["status"] == "erased" and seen["title"] is None
    assert w.stored("blobs") == []
    [erased] = w.uow.payloads_of("document_erased")
    assert erased["document_id"] == annas["document_id"] and erased["reason"] == "retention"


def test_a_link_to_an_erased_document_is_refused(w, annas):
    granted = link(w, ANNA, annas["document_id"])
    w.clock.advance(days=2191)
    retention.keep_retention(w.uow, w.clock, w.vault)
    w.clock.moment = MOMENT

    assert refused(follow, w, granted["url"]).code == "document_erased"


def test_a_document_under_legal_hold_outlives_its_retention(w, annas):
    hold = documents.SetLegalHold(ALEX, annas["document_id"], True, "Verfahren")
    documents.set_legal_hold(hold, w.uow, w.clock)
    w.clock.advance(days=2191)

    retention.keep_retention(w.uow, w.clock, w.vault)

    assert view(w, ALEX, annas["document_id"])["status"] == "draft"
    assert "document_erased" not in w.uow.published_types()


def test_a_document_within_its_retention_is_kept(w, annas):
    w.clock.advance(days=2189)

    retention.keep_retention(w.uow, w.clock, w.vault)

    assert view(w, ANNA, annas["document_id"])["status"] == "draft"
