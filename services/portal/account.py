"""A signed-in person's own pages: their documents, their inbox and how they want to hear from us.

Each page calls the RPC the JSON API's route calls (services/gateway/documents.py,
notifications.py) as the person signed in; the services own every rule. A download is a
short-lived link the documents service makes, which the browser is sent on to.
"""

from __future__ import annotations

from typing import Any

from services.common.errors import InvalidInput
from services.common.identity import CITIZEN, ROLES
from services.common.rpc import RemoteService
from services.portal.pages import Visit, field_errors, page
from services.portal.rendering import Redirect, Rendered

CHANNELS = ("email", "sms", "inbox")
# the message a refused preference shows at its field; any other: form.invalid
FIELD_MESSAGES = {
    "email": "form.email",
    "phone": "settings.phone_invalid",
    "language": "form.required",
}
INBOX_PAGE = 20


class AccountPages:
    """Mixed into GatewayService, beside the JSON routes."""

    documents = RemoteService("documents")
    notifications = RemoteService("notifications")

    @page("GET", "/documents", roles=CITIZEN)
    def documents_page(self, visit: Visit) -> Rendered:
        listed = self.documents.list_documents({})
        types = {kind["key"]: kind["title"] for kind in self.documents.document_types()}
        return Rendered(
            "account/documents.html", {"documents": listed["documents"], "types": types}
        )

    @page("GET", "/documents/<uuid(strict=False):document_id>/download", roles=CITIZEN)
    def document_download_page(self, visit: Visit, document_id) -> Redirect:
        """On to a fresh link of the current version: a link keeps nothing, so a GET may."""
        link = self.documents.download_link(str(document_id), None)
        return Redirect(link["url"])

    @page("GET", "/inbox", roles=ROLES)
    def inbox_page(self, visit: Visit) -> Rendered:
        query = {"limit": INBOX_PAGE, "before": visit.value("before") or None}
        return Rendered("account/inbox.html", {"inbox": self.notifications.inbox(query)})

    @page("POST", "/inbox/read", roles=ROLES)
    def mark_read_page(self, visit: Visit) -> Redirect:
        self.notifications.mark_read(visit.value("item_id"))
        return Redirect("/inbox")

    @page("POST", "/inbox/read-all", roles=ROLES)
    def mark_all_read_page(self, visit: Visit) -> Redirect:
        self.notifications.mark_all_read()
        visit.tell("inbox.all_read")
        return Redirect("/inbox")

    @page("GET", "/settings", roles=ROLES)
    def settings_page(self, visit: Visit) -> Rendered:
        return _settings_form(self.notifications.get_preferences(), {})

    @page("POST", "/settings", roles=ROLES)
    def save_settings_page(self, visit: Visit) -> Rendered | Redirect:
        chosen = _chosen_preferences(visit)
        try:
            self.notifications.set_preferences(chosen)
        except InvalidInput as refused:
            errors = {
                name: [FIELD_MESSAGES.get(name, "form.invalid")] for name in field_errors(refused)
            }
            return _settings_form(chosen, errors, status=400)
        visit.tell("settings.saved")
        return Redirect("/settings")


def _chosen_preferences(visit: Visit) -> dict[str, Any]:
    """The form as the preferences RPC takes it: an empty address is none."""
    channels = visit.form.get("channels", [])
    return {
        "language": visit.value("language"),
        "channels": {channel: channel in channels for channel in CHANNELS},
        "email": visit.value("email") or None,
        "phone": visit.value("phone") or None,
        "non_essential": visit.value("non_essential") == "yes",
    }


def _settings_form(preferences: dict[str, Any], errors: dict, status: int = 200) -> Rendered:
    return Rendered(
        "account/settings.html",
        {"preferences": preferences, "errors": errors, "channels": CHANNELS},
        status=status,
    )
