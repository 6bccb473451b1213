"""`/staff/feedback/moderation` and `/staff/feedback/bans`: what citizens flagged, one
decision at a time (restore or hide, with a reason), and the accounts barred from taking
part. The queue holds the content of the clerk's departments (the service's rule)."""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import NotFound

from services.common.errors import InvalidInput
from services.common.identity import OFFICE
from services.common.rpc import RemoteService
from services.portal.pages import Visit, page
from services.portal.rendering import Redirect, Rendered

MODERATION = "/staff/feedback/moderation"
BANS = "/staff/feedback/bans"
TARGET = f"{MODERATION}/<any(item, comment):target_kind>/<uuid(strict=False):target_id>"
DECISIONS = ("restore", "hide")
# what the queue's page says once a decision is made
DECIDED = {
    "restore": "staff.feedback.moderation.restored",
    "hide": "staff.feedback.moderation.hidden_now",
}


class StaffModerationPages:
    """Mixed into GatewayService through StaffFeedbackPages."""

    feedback = RemoteService("feedback")

    @page("GET", MODERATION, roles=OFFICE)
    def staff_moderation_page(self, visit: Visit) -> Rendered:
        entries = self.feedback.moderation_queue()["entries"]
        return Rendered("staff/feedback/moderation.html", {"entries": entries})

    @page("GET", TARGET, roles=OFFICE)
    def staff_moderation_decision_page(self, visit: Visit, target_kind, target_id) -> Rendered:
        entry = self._staff_waiting(target_kind, str(target_id))
        return _decision_page(entry, {"decision": "", "reason": ""}, {})

    @page("POST", TARGET, roles=OFFICE)
    def staff_moderate_page(self, visit: Visit, target_kind, target_id) -> Rendered | Redirect:
        entry = self._staff_waiting(target_kind, str(target_id))
        entered = {"decision": visit.value("decision"), "reason": visit.value("reason")}
        errors: dict[str, list[str]] = {}
        if entered["decision"] not in DECISIONS:
            errors["decision"] = ["staff.feedback.moderation.choose"]
        if not entered["reason"]:
            errors["reason"] = ["form.required"]
        if not errors:
            try:
                self.feedback.moderate(target_kind, str(target_id), entered)
            except InvalidInput:
                errors["reason"] = ["form.too_long"]
        if errors:
            return _decision_page(entry, entered, errors, status=400)
        visit.tell(DECIDED[entered["decision"]])
        return Redirect(MODERATION)

    @page("GET", BANS, roles=OFFICE)
    def staff_bans_page(self, visit: Visit) -> Rendered:
        entered = {"account": visit.value("account"), "reason": ""}
        return self._staff_bans(entered, {})

    @page("POST", BANS, roles=OFFICE)
    def staff_ban_page(self, visit: Visit) -> Rendered | Redirect:
        entered = {"account": visit.value("account"), "reason": visit.value("reason")}
        errors = {name: ["form.required"] for name, value in entered.items() if not value}
        if not errors:
            try:
                self.feedback.ban(entered["account"][:200], {"reason": entered["reason"]})
            except InvalidInput:
                errors["reason"] = ["form.too_long"]
        if errors:
            return self._staff_bans(entered, errors, status=400)
        visit.tell("staff.feedback.bans.banned")
        return Redirect(BANS)

    @page("POST", f"{BANS}/lift", roles=OFFICE)
    def staff_unban_page(self, visit: Visit) -> Redirect:
        self.feedback.unban(visit.value("account"))
        visit.tell("staff.feedback.bans.lifted")
        return Redirect(BANS)

    def _staff_waiting(self, target_kind: str, target_id: str) -> dict[str, Any]:
        """The queue's entry for the content: what the clerk decides on. Content that waits
        for no decision (decided already, or another department's) is not found."""
        for entry in self.feedback.moderation_queue()["entries"]:
            if (entry["target_kind"], entry["target_id"]) == (target_kind, target_id):
                return entry
        raise NotFound("Nothing of that waits for a decision.")

    def _staff_bans(self, entered, errors, status: int = 200) -> Rendered:
        return Rendered(
            "staff/feedback/bans.html",
            {"bans": self.feedback.bans(), "entered": entered, "errors": errors},
            status=status,
        )


def _decision_page(entry, entered, errors, status: int = 200) -> Rendered:
    return Rendered(
        "staff/feedback/decide.html",
        {"entry": entry, "entered": entered, "errors": errors, "decisions": DECISIONS},
        status=status,
    )
