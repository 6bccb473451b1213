"""Who may read what: owners, the case's clerks, short-lived links, and the audit trail."""

from __future__ import annotations

from tests.support.documents import pdf
from tests.support.waiting import wait_for

TRAFFIC = ("traffic",)  # the department of the parking permits (2026-BPA-...)


def test_another_citizen_is_not_told_that_a_document_exists(portal_of, annas_document):
    bernd = portal_of("bernd")

    seen = bernd.get(annas_document["document_id"])
    linked = bernd.link(annas_document["document_id"])

    assert seen.status_code == 404 and seen.json()["error"]["code"] == "document_not_found"
    assert linked.status_code == 404
    assert bernd.get("00000000-0000-0000-0000-000000000000").status_code == 404


def test_a_clerk_reads_a_citizens_document_only_once_it_is_filed_in_a_case(
    portal_of, annas_document
):
    clerk = portal_of("clerk-claudia", "clerk", TRAFFIC)
    document_id = annas_document["document_id"]

    before = clerk.get(document_id)
    filed = clerk.session.post(
        "/api/v1/documents/case-filings",
        json={"document_ids": [document_id], "case_id": "2026-BPA-000123", "owner": "anna"},
        headers=clerk.headers,
    )

    assert before.status_code == 403 and before.json()["error"]["code"] == "forbidden"
    assert filed.status_code == 200, filed.text
    assert filed.json()["documents"][0]["status"] == "final"
    assert clerk.get(document_id).json()["case_id"] == "2026-BPA-000123"
    assert clerk.download(document_id).content == pdf(50_000, b"anna's payslip")
    listed = clerk.session.get(
        "/api/v1/documents", params={"case_id": "2026-BPA-000123"}, headers=clerk.headers
    )
    assert [d["document_id"] for d in listed.json()["documents"]] == [document_id]


def file(clerk, document_id: str, case_id: str, **changes):
    return clerk.session.post(
        "/api/v1/documents/case-filings",
        json={"document_ids": [document_id], "case_id": case_id, "owner": "anna", **changes},
        headers=clerk.headers,
    )


def test_a_clerk_of_another_department_reads_nothing_of_a_case_s_documents(
    portal_of, annas_document
):
    claudia = portal_of("clerk-claudia", "clerk", TRAFFIC)
    theo = portal_of("clerk-theo", "clerk", ("taxes",))
    nina = portal_of("clerk-nina", "clerk")  # of no department
    document_id = annas_document["document_id"]
    assert file(claudia, document_id, "2026-BPA-000123").status_code == 200

    for other in (theo, nina):
        listed = other.session.get(
            "/api/v1/documents", params={"case_id": "2026-BPA-000123"}, headers=other.headers
        )
        assert listed.status_code == 200 and listed.json()["documents"] == []
        assert other.get(document_id).status_code == 403
        assert other.link(document_id).status_code == 403
    assert claudia.download(document_id).content == pdf(50_000, b"anna's payslip")
    assert portal_of("admin-ada", "admin").get(document_id).json()["case_id"] == "2026-BPA-000123"


def test_a_clerk_files_only_into_a_department_of_their_own(portal_of, annas_document):
    document_id = annas_document["document_id"]
    theo = portal_of("clerk-theo", "clerk", ("taxes",))
    both = portal_of("clerk-berta", "clerk", ("taxes", "traffic"))

    other = file(theo, document_id, "2026-BPA-000123", case_department="traffic")
    unnamed = file(both, document_id, "2026-BPA-000123")
    named = file(both, document_id, "2026-BPA-000123", case_department="traffic")

    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
    assert unnamed.status_code == 400
    assert "case_department" in unnamed.json()["error"]["details"]
    assert named.status_code == 200, named.text
    assert theo.get(document_id).status_code == 403
    assert portal_of("clerk-claudia", "clerk", TRAFFIC).get(document_id).status_code == 200


def test_a_citizen_cannot_file_a_document_into_a_case(portal_of):
    refused = portal_of("anna").start(pdf(1000, b"x"), case_id="2026-BPA-000999")

    assert refused.status_code == 403


def test_a_citizen_lists_only_their_own_documents(portal_of, annas_document):
    portal_of("bernd").upload(pdf(10_000, b"bernd's"))
    anna = portal_of("anna")

    listed = anna.session.get("/api/v1/documents", headers=anna.headers).json()

    assert [d["document_id"] for d in listed["documents"]] == [annas_document["document_id"]]


def test_a_changed_download_link_is_refused(portal_of, annas_document):
    anna = portal_of("anna")
    url = anna.link(annas_document["document_id"]).json()["url"]
    forged = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")

    refused = anna.session.get(forged)

    assert refused.status_code == 404 and refused.json()["error"]["code"] == "invalid_link"


def test_every_read_and_change_is_in_the_audit_trail_with_who_and_why(portal_of, annas_document):
    anna = portal_of("anna")
    admin = portal_of("admin-alex", "admin")
    document_id = annas_document["document_id"]

    def audit():
        return admin.session.get(
            "/api/v1/documents/audit", params={"document_id": document_id}, headers=admin.headers
        )

    anna.download(document_id)
    # the read is recorded once the last byte has gone out, which may be after the client
    # has it: wait for it, so that the order below is the order things happened in
    wait_for(lambda: any(e["action"] == "read" for e in audit().json()["entries"]))
    anna.session.patch(
        f"/api/v1/documents/{document_id}",
        json={"title": "Gehaltsnachweis März", "reason": "typo in the title"},
        headers=anna.headers,
    )

    trail = audit()

    assert trail.status_code == 200, trail.text
    entries = trail.json()["entries"]
    assert [(e["action"], e["actor"]) for e in reversed(entries)] == [
        ("create", "anna"),
        ("link", "anna"),
        ("read", "anna"),
        ("update", "anna"),
    ]
    assert entries[0]["reason"] == "typo in the title"
    assert entries[0]["details"]["title"]["to"] == "Gehaltsnachweis März"
    assert (
        portal_of("anna").session.get("/api/v1/documents/audit", headers=anna.headers).status_code
        == 403
    )


def test_status_moves_draft_final_archived_and_a_citizen_may_not_archive(portal_of, annas_document):
    anna = portal_of("anna")
    admin = portal_of("admin-alex", "admin")
    url = f"/api/v1/documents/{annas_document['document_id']}"

    final = anna.session.patch(url, json={"status": "final"}, headers=anna.headers)
    archive = anna.session.patch(url, json={"status": "archived"}, headers=anna.headers)
    back = admin.session.patch(url, json={"status": "draft"}, headers=admin.headers)
    archived = admin.session.patch(url, json={"status": "archived"}, headers=admin.headers)

    assert final.json()["status"] == "final"
    assert archive.status_code == 409 and archive.json()["error"]["details"]["allowed"] == []
    assert back.status_code == 409 and back.json()["error"]["code"] == "illegal_transition"
    assert archived.json()["status"] == "archived"
    refused = anna.start(pdf(1000, b"late"), document_id=annas_document["document_id"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "document_archived"
