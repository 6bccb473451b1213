"""`/staff/cases`: the applications' back office. The worklist with its filters, sorting and
pages (new cases arrive live); the case with its form, documents shown inline, history,
internal notes and assignment; and the moves its type allows, the decision after the clerk
has seen its letter.

Which cases a clerk sees is the applications service's rule (their departments' types): a
case of another department is not in the worklist, and its address answers "not found".
Each form posts to its own address and leads back to the case (a refused one shows the
case again with the message at its field), so the pages work without JavaScript.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from services.applications import errors as failures
from services.common.errors import InvalidInput
from services.common.identity import OFFICE
from services.common.rpc import RemoteService
from services.portal.pages import Visit, page
from services.portal.rendering import Redirect, Rendered
from services.portal.schema_forms import choice_key, errors_at, fields_of, labels
from services.portal.staff.cases_documents import LETTERS, letter_preview, relayed, shown_as
from services.portal.staff.cases_kinds import RECENT_KINDS, Kinds
from services.portal.staff.cases_live import case_arrivals

CASES = "/staff/cases"
CASE = f"{CASES}/<uuid(strict=False):case_id>"
SORTS = ("submitted_at", "-submitted_at", "due_at", "-due_at")
PAGE_SIZE = 25
DECISIONS = {"approve": "approved", "reject": "rejected"}
# the moves a plain button takes, without words
PLAIN_MOVES = {"review": "start_review", "complete": "complete"}
# the moves that take the clerk's words: the RPC, and what the next page says
WORDED_MOVES = {
    "information": ("request_information", "staff.cases.told.information"),
    "reopen": ("reopen", "staff.cases.told.reopened"),
}
_REFUSED_MOVES = (failures.IllegalTransition, failures.CaseClosed)


class StaffCasesPages:
    """Mixed into GatewayService, beside the citizens' pages."""

    applications = RemoteService("applications")
    documents = RemoteService("documents")

    # the worklist

    @page("GET", CASES, roles=OFFICE)
    def staff_worklist_page(self, visit: Visit) -> Rendered:
        kinds = self._staff_kinds(visit)
        filters = worklist_filters(visit)
        page_of = self.applications.worklist(
            worklist_query(filters, visit.session.subject, visit.value("cursor") or None)
        )
        reachable = [kind for kind in kinds.values() if in_departments(kind, visit)]
        return Rendered(
            "staff/cases/worklist.html",
            {
                "filters": filters,
                "cases": page_of["cases"],
                "kinds": kinds,
                "types": reachable,
                "statuses": status_texts(kinds),
                "sorts": SORTS,
                "next_page": _next_page(filters, page_of["next_cursor"]),
                "paged": bool(visit.value("cursor")),
            },
        )

    @case_arrivals(f"{CASES}/live")
    def staff_case_arrivals(self, request) -> None:
        """Never called: the stream is served without a worker (cases_live.py)."""

    # the case

    @page("GET", CASE, roles=OFFICE)
    def staff_case_page(self, visit: Visit, case_id) -> Rendered:
        return self._staff_case_page(visit, self.applications.get_case(str(case_id)))

    @page("GET", f"{CASE}/documents/<uuid(strict=False):document_id>", roles=OFFICE)
    def staff_case_document(self, visit: Visit, case_id, document_id):
        case = self.applications.get_case(str(case_id))  # refuses a case out of reach first
        document = self.documents.get_document(str(document_id))
        if document.get("case_id") != case["case_id"]:
            raise failures.CaseNotFound("The document is not in this case.", {})
        version = next(v for v in document["versions"] if v["current"])
        link = self.documents.download_link(str(document_id))["url"]
        filename = version.get("filename") or document.get("title") or "document"
        return relayed(link, version["media_type"], filename, visit.correlation_id)

    @page("POST", f"{CASE}/assignment", roles=OFFICE)
    def staff_assign_page(self, visit: Visit, case_id) -> Redirect:
        taken = visit.value("take") == "me"
        assignee = visit.session.subject if taken else visit.value("assignee") or None
        self.applications.assign(str(case_id), {"assignee": assignee})
        visit.tell("staff.cases.told.assigned" if assignee else "staff.cases.told.unassigned")
        return Redirect(case_url(case_id))

    @page("POST", f"{CASE}/notes", roles=OFFICE)
    def staff_note_page(self, visit: Visit, case_id) -> Rendered | Redirect:
        text = visit.value("note")
        try:
            self.applications.add_note(
                str(case_id), said(text), idempotency_key=visit.value("idempotency_key") or None
            )
        except InvalidInput as refused:
            return self._staff_refused(visit, case_id, "note", refused, text)
        visit.tell("staff.cases.told.noted")
        return Redirect(f"{case_url(case_id)}#notes")

    @page("POST", f"{CASE}/<any(review, complete):move>", roles=OFFICE)
    def staff_plain_move_page(self, visit: Visit, case_id, move: str) -> Redirect:
        getattr(self.applications, PLAIN_MOVES[move])(str(case_id))
        visit.tell(f"staff.cases.told.{move}")
        return Redirect(case_url(case_id))

    @page("POST", f"{CASE}/<any(information, reopen):move>", roles=OFFICE)
    def staff_worded_move_page(self, visit: Visit, case_id, move: str) -> Rendered | Redirect:
        rpc, told = WORDED_MOVES[move]
        text = visit.value(move)
        try:
            getattr(self.applications, rpc)(str(case_id), said(text))
        except InvalidInput as refused:
            return self._staff_refused(visit, case_id, move, refused, text)
        visit.tell(told)
        return Redirect(case_url(case_id))

    # deciding: the letter is seen before it is issued

    @page("POST", f"{CASE}/decision", roles=OFFICE)
    def staff_decision_page(self, visit: Visit, case_id) -> Rendered:
        """The decision to check, with its letter: shown in a frame the page's form fills."""
        decision, reason = decision_of(visit)
        try:
            self.applications.preview_decision(str(case_id), decision)
        except InvalidInput as refused:
            errors = errors_at(refused.details)
            case = self.applications.get_case(str(case_id))
            kept = {"reason": reason, "decision": decision.get("decision", "")}
            return self._staff_case_page(visit, case, errors, kept, status=400)
        case = self.applications.get_case(str(case_id))
        return Rendered(
            "staff/cases/decision.html",
            {"case": case, "decision": decision["decision"], "reason": reason},
        )

    @page("POST", f"{CASE}/decision/letter", roles=OFFICE)
    def staff_decision_letter(self, visit: Visit, case_id):
        decision, _ = decision_of(visit)
        return letter_preview(self.applications.preview_decision(str(case_id), decision))

    @page("POST", f"{CASE}/decision/change", roles=OFFICE)
    def staff_decision_change_page(self, visit: Visit, case_id) -> Rendered:
        decision, reason = decision_of(visit)
        case = self.applications.get_case(str(case_id))
        kept = {"reason": reason, "decision": decision.get("decision", "")}
        return self._staff_case_page(visit, case, {}, kept)

    @page("POST", f"{CASE}/decision/issue", roles=OFFICE)
    def staff_decide_page(self, visit: Visit, case_id) -> Redirect:
        decision, _ = decision_of(visit)
        self.applications.decide(str(case_id), decision)
        visit.tell("staff.cases.told.decided")
        return Redirect(case_url(case_id))

    # helpers

    def _staff_refused(
        self, visit: Visit, case_id, name: str, refused: InvalidInput, text: str
    ) -> Rendered:
        errors = {name: errors_at(refused.details).get("text", ["form.invalid"])}
        case = self.applications.get_case(str(case_id))
        return self._staff_case_page(visit, case, errors, {name: text}, status=400)

    def _staff_case_page(
        self,
        visit: Visit,
        case: dict[str, Any],
        errors: dict[str, list[str]] | None = None,
        kept: dict[str, str] | None = None,
        *,
        status: int = 200,
    ) -> Rendered:
        kinds = self._staff_kinds(visit)
        kind = kinds[case["application_type"]]
        fields = fields_of(kind["form_schema"], case["form"])
        found = self.documents.list_documents({"case_id": case["case_id"]})["documents"]
        return Rendered(
            "staff/cases/case.html",
            {
                "case": case,
                "kind": kind,
                "fields": fields,
                "labels": labels(fields),
                "choice_key": choice_key,
                "documents": shown_documents(case, found),
                "statuses": status_texts(kinds),
                "decisions": [a for a in DECISIONS if a in case["allowed_actions"]],
                "errors": errors or {},
                "kept": kept or {},
                "idempotency_key": str(uuid.uuid4()),
            },
            status=status,
        )

    def _staff_kinds(self, visit: Visit) -> Kinds:
        return RECENT_KINDS.of(visit.session.language, self.applications.application_types)


def case_url(case_id) -> str:
    return f"{CASES}/{case_id}"


def said(text: str) -> dict[str, str]:
    """A text to send; left empty, it is missing, and the service says so."""
    return {"text": text} if text else {}


def decision_of(visit: Visit) -> tuple[dict[str, str], str]:
    reason = visit.value("reason")
    decision = {"decision": visit.value("decision")} if visit.value("decision") else {}
    return ({**decision, "reason": reason} if reason else decision), reason


def in_departments(kind: dict[str, Any], visit: Visit) -> bool:
    """Whether the type is one the worklist's filter offers: the caller's departments' (an
    admin's all). Only what is offered: the service decides what the list holds."""
    return visit.session.role == "admin" or kind["department"] in visit.session.departments


def status_texts(kinds: dict[str, dict[str, Any]]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for kind in kinds.values():
        for status in kind["statuses"]:
            texts.setdefault(status["status"], status["text"])
    return texts


def worklist_filters(visit: Visit) -> dict[str, Any]:
    sort = visit.value("sort")
    return {
        "type": visit.value("type"),
        "status": visit.value("status"),
        "mine": visit.value("mine") == "1",
        "overdue": visit.value("overdue") == "1",
        "sort": sort if sort in SORTS else SORTS[0],
    }


def worklist_query(filters: dict[str, Any], me: str | None, cursor: str | None) -> dict:
    query: dict[str, Any] = {"sort": filters["sort"], "limit": PAGE_SIZE, "cursor": cursor}
    if filters["type"]:
        query["application_type"] = filters["type"]
    if filters["status"]:
        query["status"] = filters["status"]
    if filters["mine"]:
        query["assignee"] = me
    if filters["overdue"]:
        query["overdue"] = True
    return query


def _next_page(filters: dict[str, Any], cursor: str | None) -> str | None:
    if cursor is None:
        return None
    kept = {name: ("1" if value is True else value) for name, value in filters.items() if value}
    return f"{CASES}?{urlencode({**kept, 'cursor': cursor})}"


def shown_documents(case: dict[str, Any], found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The case's documents, each with how the page shows it (image, pdf or link)."""
    media = {a["document_id"]: a.get("media_type") for a in case["attachments"]}
    shown = []
    for document in found:
        if document.get("status") == "erased":
            continue
        media_type = media.get(document["document_id"])
        if media_type is None and document["document_type"] in LETTERS:
            media_type = "application/pdf"
        shown.append({**document, "shown_as": shown_as(media_type)})
    return shown
