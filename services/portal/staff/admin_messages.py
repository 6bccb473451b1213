"""The administration's messaging pages: templates with their preview in German and English
and new versions, the delivery log with re-sending, webhooks, and the dead letters.

Templates, messages and webhooks belong to the notifications service, which keeps their
changes in its audit trail; each page shows them. A dead letter belongs to the service whose
queue it failed in: replaying or discarding it is recorded first in that service's audit
trail (services/gateway/dead_letter_acts.py), and the page lists the records of them all.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from werkzeug.exceptions import NotFound

from services.common import dead_letters
from services.common.errors import InvalidInput, ServiceError
from services.common.identity import ADMIN
from services.common.language import LANGUAGES
from services.common.rpc import RemoteService
from services.common.settings import amqp_uri
from services.gateway.dead_letter_acts import DeadLetterActs
from services.portal.pages import Visit, page
from services.portal.rendering import Redirect, Rendered
from services.portal.staff.admin_trail import shown_changes

AREA = "/staff/admin"
TEMPLATE = f"{AREA}/templates/<name>"
DELIVERY = f"{AREA}/deliveries/<message_id>"
WEBHOOKS = f"{AREA}/webhooks"
DEAD_LETTERS = f"{AREA}/dead-letters"
STATUSES = ("created", "sending", "delivered", "temporary_failure", "permanent_failure")
PAGE_SIZE = 50
# what a subscription's refusal names, as the form field it belongs to
SUBSCRIPTION_FIELDS = {
    "unknown_event_type": "event_types",
    "unknown_attribute": "filters",
    "invalid_callback_url": "callback_url",
    "callback_test_failed": "callback_url",
}


class AdminMessagePages(DeadLetterActs):
    """Mixed into GatewayService, beside the citizens' pages."""

    notifications = RemoteService("notifications")

    # templates

    @page("GET", f"{AREA}/templates", roles=ADMIN)
    def admin_templates_page(self, visit: Visit) -> Rendered:
        trail = self.notifications.audit_trail({"entities": ["template"]})
        return Rendered(
            "staff/admin/templates.html",
            {
                "templates": self.notifications.list_templates()["templates"],
                "changes": shown_changes(trail),
            },
        )

    @page("GET", TEMPLATE, roles=ADMIN)
    def admin_template_page(self, visit: Visit, name: str) -> Rendered:
        return self._template_page(visit, name)

    @page("POST", TEMPLATE, roles=ADMIN)
    def admin_template_version(self, visit: Visit, name: str) -> Rendered | Redirect:
        version = {
            "language": visit.value("language"),
            "subject": visit.value("subject"),
            "body": visit.value("body"),
            "sms": visit.value("sms") or None,
        }
        key = visit.value("submission_key")[:100] or None
        try:
            self.notifications.add_template_version(name, version, idempotency_key=key)
        except InvalidInput as refused:
            errors = {field: ["staff.admin.error.field"] for field in refused.details or {}}
            return self._template_page(visit, name, errors or {"body": ["staff.admin.error.field"]})
        except ServiceError as refused:
            return self._template_page(visit, name, {"body": [f"error.code.{refused.code}"]})
        visit.tell("staff.admin.saved")
        return Redirect(f"{AREA}/templates/{name}")

    def _template_page(self, visit: Visit, name: str, errors: dict | None = None) -> Rendered:
        try:
            template = self.notifications.get_template(name)
        except ServiceError:
            raise NotFound() from None
        values = {name: visit.value(f"value-{name}") or f"[{name}]" for name in template["values"]}
        previews = {
            language: self.notifications.preview_template(
                name, {"language": language, "values": values}
            )
            for language in LANGUAGES
        }
        trail = self.notifications.audit_trail({"entities": ["template"], "limit": 50})
        mine = [c for c in trail["changes"] if c["key"].startswith(f"{name}/")]
        return Rendered(
            "staff/admin/template.html",
            {
                "template": template,
                "values": values,
                "previews": previews,
                "errors": errors or {},
                "typed": {f: visit.value(f) for f in ("language", "subject", "body", "sms")},
                "submission_key": uuid.uuid4().hex,
                "changes": shown_changes({"changes": mine}),
            },
            status=400 if errors else 200,
        )

    # the delivery log

    @page("GET", f"{AREA}/deliveries", roles=ADMIN)
    def admin_deliveries_page(self, visit: Visit) -> Rendered:
        status = visit.value("status")
        query: dict[str, Any] = {"limit": PAGE_SIZE}
        if status in STATUSES:
            query["status"] = status
        if visit.value("before"):
            query["before"] = visit.value("before")[:200]
        found = self.notifications.deliveries(query)
        older = None
        if found["next_cursor"]:
            older = "?" + urlencode({"status": status, "before": found["next_cursor"]})
        return Rendered(
            "staff/admin/deliveries.html",
            {
                "deliveries": found["deliveries"],
                "status": status,
                "statuses": STATUSES,
                "older": older,
            },
        )

    @page("GET", DELIVERY, roles=ADMIN)
    def admin_delivery_page(self, visit: Visit, message_id: str) -> Rendered:
        return self._delivery_page(message_id)

    @page("POST", f"{DELIVERY}/resend", roles=ADMIN)
    def admin_delivery_resend(self, visit: Visit, message_id: str) -> Rendered | Redirect:
        try:
            self.notifications.resend(message_id)
        except ServiceError as refused:
            return self._delivery_page(message_id, f"error.code.{refused.code}")
        visit.tell("staff.admin.delivery.resent")
        return Redirect(f"{AREA}/deliveries/{message_id}")

    def _delivery_page(self, message_id: str, refusal: str | None = None) -> Rendered:
        try:
            delivery = self.notifications.delivery(message_id)
        except ServiceError:
            raise NotFound() from None
        trail = self.notifications.audit_trail({"entities": ["message"], "key": message_id})
        return Rendered(
            "staff/admin/delivery.html",
            {
                "delivery": delivery,
                "resendable": delivery["next_attempt_at"] is None
                and delivery["status"] != "delivered",
                "refusal": refusal,
                "changes": shown_changes(trail),
            },
            status=409 if refusal else 200,
        )

    # webhooks

    @page("GET", WEBHOOKS, roles=ADMIN)
    def admin_webhooks_page(self, visit: Visit) -> Rendered:
        return self._webhooks_page(visit)

    @page("POST", WEBHOOKS, roles=ADMIN)
    def admin_webhook_add(self, visit: Visit) -> Rendered | Redirect:
        filters, errors = _filters(visit.value("filters"))
        spec = {
            "event_types": visit.value("event_types").split(),
            "filters": filters,
            "callback_url": visit.value("callback_url"),
            "secret": visit.value("secret"),
        }
        if not errors:
            key = visit.value("submission_key")[:100] or None
            try:
                self.notifications.subscribe(spec, idempotency_key=key)
                visit.tell("staff.admin.webhooks.added")
                return Redirect(WEBHOOKS)
            except InvalidInput as refused:
                errors = {name: ["staff.admin.error.field"] for name in refused.details or {}}
            except ServiceError as refused:
                field = SUBSCRIPTION_FIELDS.get(refused.code, "callback_url")
                errors = {field: [f"error.code.{refused.code}"]}
        return self._webhooks_page(visit, errors)

    @page("POST", f"{WEBHOOKS}/<subscription_id>/remove", roles=ADMIN)
    def admin_webhook_remove(self, visit: Visit, subscription_id: str) -> Redirect:
        self.notifications.unsubscribe(subscription_id)
        visit.tell("staff.admin.webhooks.removed")
        return Redirect(WEBHOOKS)

    def _webhooks_page(self, visit: Visit, errors: dict | None = None) -> Rendered:
        trail = self.notifications.audit_trail({"entities": ["webhook"]})
        return Rendered(
            "staff/admin/webhooks.html",
            {
                "subscriptions": self.notifications.list_subscriptions()["subscriptions"],
                "errors": errors or {},
                "typed": {f: visit.value(f) for f in ("event_types", "filters", "callback_url")},
                "submission_key": uuid.uuid4().hex,
                "changes": shown_changes(trail),
            },
            status=400 if errors else 200,
        )

    # dead letters

    @page("GET", DEAD_LETTERS, roles=ADMIN)
    def admin_dead_letters_page(self, visit: Visit) -> Rendered:
        return self._dead_letters_page()

    @page("POST", DEAD_LETTERS, roles=ADMIN)
    def admin_dead_letters_act(self, visit: Visit) -> Rendered | Redirect:
        chosen = visit.form.get("letter", [])
        action = visit.value("action")
        if not chosen or action not in ("replay", "discard"):
            return self._dead_letters_page({"letter": ["staff.admin.dead_letters.choose"]})
        try:
            done = self.act_on_dead_letters(action, chosen)
        except ServiceError:
            # a letter's owner did not take its record: that letter and those after it stay
            return self._dead_letters_page(
                {"letter": ["staff.admin.dead_letters.not_recorded"]}, 503
            )
        kept = len(done) < len(chosen)
        visit.tell(f"staff.admin.dead_letters.{'some_kept' if kept else action + 'ed'}")
        return Redirect(DEAD_LETTERS)

    def _dead_letters_page(self, errors: dict | None = None, status: int = 400) -> Rendered:
        letters = dead_letters.as_dicts(dead_letters.list_dead_letters(amqp_uri()))
        return Rendered(
            "staff/admin/dead_letters.html",
            {
                "letters": letters,
                "errors": errors or {},
                "changes": shown_changes({"changes": self.dead_letter_changes()}),
            },
            status=status if errors else 200,
        )


def _filters(text: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """`name=value` lines; a line without `=` is an error at the field."""
    filters: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip():
            return {}, {"filters": ["staff.admin.webhooks.filters_error"]}
        filters[name.strip()] = value.strip()
    return filters, {}
