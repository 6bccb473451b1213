"""`/staff/feedback`: the department's reports and ideas, as a list and on the map, and one
item with its photos, history and official answer: change its status, answer it, merge a
duplicate into the report it repeats.

Every page calls the feedback service as the signed-in clerk; which items they see is the
service's rule (their departments): an item of another department is not found. The
moderation queue, the bans and the figures are pages of their own (feedback_moderation.py,
feedback_figures.py), mixed in here so that the gateway mixes in one class.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from services.common.errors import InvalidInput, ServiceError
from services.common.identity import OFFICE
from services.common.rpc import RemoteService
from services.portal.feedback import map_settings
from services.portal.pages import Visit, page
from services.portal.rendering import Redirect, Rendered
from services.portal.settings import PortalConfig
from services.portal.staff.feedback_figures import StaffFeedbackFigures
from services.portal.staff.feedback_moderation import StaffModerationPages

AREA = "/staff/feedback"
ITEM = f"{AREA}/items/<uuid(strict=False):item_id>"
PAGE_SIZE = 25
KINDS = ("report", "idea")
STATUSES = ("submitted", "in_review", "accepted", "done", "rejected", "duplicate")
# refusals of a move shown on the item's page, above its forms
MOVE_REFUSALS = {"illegal_transition", "cannot_merge", "duplicate_of_required"}
# the items offered to keep when merging: the newest of the same kind and category
MERGE_CANDIDATES = 20


class StaffFeedbackPages(StaffModerationPages, StaffFeedbackFigures):
    """Mixed into GatewayService, beside the citizens' pages."""

    feedback = RemoteService("feedback")
    documents = RemoteService("documents")
    portal_settings = PortalConfig()

    @page("GET", AREA, roles=OFFICE)
    def staff_feedback_page(self, visit: Visit) -> Rendered:
        language = visit.session.language
        categories = {c["key"]: c for c in self.feedback.categories(language)}
        chosen = _filters(visit, categories)
        query: dict[str, Any] = {
            name: chosen[name] for name in ("kind", "status", "category") if chosen[name]
        }
        # a status asked for is shown whether it is open or not
        query |= {
            "limit": PAGE_SIZE,
            "open_only": chosen["state"] == "open" and not chosen["status"],
        }
        if visit.value("cursor"):
            query["cursor"] = visit.value("cursor")
        found = self.feedback.worklist(query, language)
        more = None
        if found["next_cursor"]:
            kept = {name: value for name, value in chosen.items() if value}
            more = "?" + urlencode({**kept, "cursor": found["next_cursor"]})
        return Rendered(
            "staff/feedback/list.html",
            {
                "items": found["items"],
                "chosen": chosen,
                "categories": categories,
                "statuses": STATUSES,
                "more": more,
                "paged": bool(visit.value("cursor")),
                "map": map_settings(self.portal_settings, self.feedback.town_area),
            },
        )

    @page("GET", ITEM, roles=OFFICE)
    def staff_feedback_item_page(self, visit: Visit, item_id) -> Rendered:
        return self._staff_item_page(visit, str(item_id))

    @page("POST", f"{ITEM}/status", roles=OFFICE)
    def staff_feedback_status_page(self, visit: Visit, item_id) -> Rendered | Redirect:
        status, answer = visit.value("status"), visit.value("answer")
        item = self.feedback.office_item(str(item_id), visit.session.language)
        if status not in _moves(item):
            errors = {"status": ["staff.feedback.status.choose"]}
            return self._staff_item_page(visit, str(item_id), errors, item=item)
        change = {"status": status, "answer": answer or None}
        return self._staff_move(
            visit,
            str(item_id),
            lambda: self.feedback.change_status(str(item_id), change, visit.session.language),
            "answer",
            "staff.feedback.status.changed",
        )

    @page("POST", f"{ITEM}/answer", roles=OFFICE)
    def staff_feedback_answer_page(self, visit: Visit, item_id) -> Rendered | Redirect:
        text = visit.value("official_answer")
        if not text:
            errors = {"official_answer": ["form.required"]}
            return self._staff_item_page(visit, str(item_id), errors)
        key = visit.value("submission_key")[:100] or None
        return self._staff_move(
            visit,
            str(item_id),
            lambda: self.feedback.publish_answer(
                str(item_id), {"text": text}, visit.session.language, idempotency_key=key
            ),
            "official_answer",
            "staff.feedback.answer.published",
        )

    @page("POST", f"{ITEM}/merge", roles=OFFICE)
    def staff_feedback_merge_page(self, visit: Visit, item_id) -> Rendered | Redirect:
        kept, note = visit.value("into"), visit.value("merge_note")
        if not kept:
            errors = {"into": ["staff.feedback.merge.choose"]}
            return self._staff_item_page(visit, str(item_id), errors)
        merge = {"into": kept, "answer": note or None}
        answer = self._staff_move(
            visit,
            str(item_id),
            lambda: self.feedback.merge(str(item_id), merge, visit.session.language),
            "merge_note",
            "staff.feedback.merge.merged",
        )
        # after a merge, on to the report kept: that is where the work goes on
        return Redirect(f"{AREA}/items/{kept}") if isinstance(answer, Redirect) else answer

    # helpers

    def _staff_move(
        self, visit: Visit, item_id: str, move, field: str, notice: str
    ) -> Rendered | Redirect:
        """Do the move; a refusal is shown on the item's page with what was typed kept: a
        text the service finds too long at its field, a move it refuses above the forms."""
        try:
            move()
        except InvalidInput as refused:
            details = refused.details if isinstance(refused.details, dict) else {}
            if "into" in details:
                return self._staff_item_page(visit, item_id, {"into": ["form.invalid"]})
            return self._staff_item_page(visit, item_id, {field: ["form.too_long"]})
        except ServiceError as refused:
            if refused.code not in MOVE_REFUSALS:
                raise
            return self._staff_item_page(visit, item_id, refusal=refused.code, status=409)
        visit.tell(notice)
        return Redirect(f"{AREA}/items/{item_id}")

    def _staff_item_page(
        self,
        visit: Visit,
        item_id: str,
        errors: dict[str, list[str]] | None = None,
        refusal: str | None = None,
        status: int | None = None,
        item: dict[str, Any] | None = None,
    ) -> Rendered:
        language = visit.session.language
        item = item or self.feedback.office_item(item_id, language)
        comments = self.feedback.comments(item_id, None, 100)["comments"]
        entered = {
            name: visit.value(name)
            for name in ("status", "answer", "official_answer", "into", "merge_note")
        }
        return Rendered(
            "staff/feedback/item.html",
            {
                "item": item,
                "comments": comments,
                "photos": [self._staff_photo(photo) for photo in item.get("photos", [])],
                "next_statuses": _moves(item),
                "candidates": self._staff_merge_candidates(item, language),
                "errors": errors or {},
                "refusal": refusal,
                "entered": entered,
                # each drawing of the answer form its own key: sent twice, one answer
                "submission_key": str(uuid.uuid4()),
            },
            status=status or (400 if errors else 200),
        )

    def _staff_photo(self, document_id: str) -> dict[str, Any]:
        """A photo shown in the page: a fresh link of the documents service, on this site
        (the gateway streams it), or None while it is not yet filed under the report."""
        try:
            link = self.documents.download_link(document_id, None)
        except ServiceError:
            return {"id": document_id, "url": None}
        return {"id": document_id, "url": link["url"]}

    def _staff_merge_candidates(self, item: dict[str, Any], language: str) -> list[dict]:
        """Open items of the same kind and category the clerk works, to keep when this one is
        merged into one of them."""
        if item["status"] == "duplicate":
            return []
        query = {
            "kind": item["kind"],
            "category": item["category"],
            "open_only": True,
            "limit": MERGE_CANDIDATES,
        }
        found = self.feedback.worklist(query, language)["items"]
        return [other for other in found if other["id"] != item["id"]]


def _filters(visit: Visit, categories: dict[str, Any]) -> dict[str, str]:
    """The list's filters as asked, each dropped when it is not one the list knows."""
    kind, status, category = visit.value("kind"), visit.value("status"), visit.value("category")
    state = visit.value("state") or "open"
    return {
        "kind": kind if kind in KINDS else "",
        "status": status if status in STATUSES else "",
        "category": category if category in categories else "",
        "state": state if state in ("open", "all") else "open",
    }


def _moves(item: dict[str, Any]) -> list[str]:
    """The statuses the page offers: those the service allows but duplicate, which a merge
    sets (it names the report kept)."""
    return [status for status in item["next_statuses"] if status != "duplicate"]
