"""The notifications service's entrypoints: events in, messages out, and the RPCs behind the
inbox, preferences, webhooks, templates and the delivery log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.common import dead_letter_trail
from services.common import service as common
from services.common.audit import AuditQuery, changes
from services.common.events import Event
from services.common.handlers import event_handler
from services.common.idempotency import Keyed, Once
from services.common.identity import ADMIN, OFFICE, SIGNED_IN
from services.common.loading import load
from services.common.rpc_entrypoint import rpc
from services.common.timers import every
from services.notifications import (
    admin_changes,
    delivery_log,
    inbox,
    intake,
    preferences,
    subscriptions,
    template_store,
    webhooks,
)
from services.notifications.dispatch import Dispatcher
from services.notifications.schemas import (
    DeliveryQuery,
    InboxQuery,
    Preferences,
    PreviewInput,
    SubscriptionInput,
    TemplateVersionInput,
)
from services.notifications.settings import NotificationSettings

# every event of these services: the routing picks some, webhooks may want any
ALL = "#"


def now() -> datetime:
    return datetime.now(UTC)


class NotificationsService(dead_letter_trail.DeadLetterTrail, common.ServiceBase):
    name = "notifications"

    dispatcher = Dispatcher()

    @event_handler("appointments", ALL)
    def on_appointments_event(self, event: Event) -> None:
        self._take("appointments", event)

    @event_handler("applications", ALL)
    def on_applications_event(self, event: Event) -> None:
        self._take("applications", event)

    @event_handler("documents", ALL)
    def on_documents_event(self, event: Event) -> None:
        self._take("documents", event)

    @event_handler("feedback", ALL)
    def on_feedback_event(self, event: Event) -> None:
        self._take("feedback", event)

    def _take(self, source: str, event: Event) -> None:
        with self.db.transaction(handling=event) as tx:
            waiting = intake.take(tx, event, source, self.dispatcher.intake, now())
        if waiting:
            self.dispatcher.kick()

    @every(interval=lambda: NotificationSettings.from_config().purge_interval)
    def purge(self) -> None:
        """Message texts past their retention go; the log keeps who, when, which channel."""
        settings = self.dispatcher.settings
        with self.db.transaction() as tx:
            delivery_log.purge(tx.session, settings, now())
            inbox.purge(tx.session, settings, now())

    # the inbox

    @rpc(roles=SIGNED_IN)
    def inbox(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        caller = self.caller
        with self.db.transaction() as tx:
            return inbox.page(tx.session, caller, load(InboxQuery, query or {}))

    @rpc(roles=SIGNED_IN)
    def unread_count(self) -> dict[str, int]:
        caller = self.caller
        with self.db.transaction() as tx:
            return {"unread": inbox.unread(tx.session, caller)}

    @rpc(roles=SIGNED_IN)
    def mark_read(self, item_id: str) -> dict[str, Any]:
        caller = self.caller
        with self.db.transaction() as tx:
            return inbox.mark_read(tx.session, caller, str(item_id), now())

    @rpc(roles=SIGNED_IN)
    def mark_all_read(self) -> dict[str, int]:
        caller = self.caller
        with self.db.transaction() as tx:
            return {"marked": inbox.mark_all_read(tx.session, caller, now())}

    # preferences

    @rpc(roles=SIGNED_IN)
    def get_preferences(self) -> dict[str, Any]:
        caller = self.caller
        with self.db.transaction() as tx:
            return preferences.read(tx.session, caller, self.dispatcher.settings)

    @rpc(roles=SIGNED_IN)
    def set_preferences(self, chosen: dict[str, Any]) -> dict[str, Any]:
        caller = self.caller
        chosen = load(Preferences, chosen)
        with self.db.transaction() as tx:
            return preferences.write(tx.session, caller, chosen, now())

    # webhooks

    @rpc(roles=ADMIN)
    def list_subscriptions(self) -> dict[str, Any]:
        with self.db.transaction() as tx:
            return {"subscriptions": subscriptions.active(tx.session)}

    @rpc(roles=ADMIN)
    def subscribe(self, spec: dict[str, Any], idempotency_key: str | None = None) -> dict[str, Any]:
        caller = self.caller
        spec = load(SubscriptionInput, spec)
        once = Once(
            self.db.transaction,
            Keyed.of(caller.subject, "subscription", idempotency_key, spec),
            lambda tx, subscription_id: subscriptions.view_of(tx.session, subscription_id),
        )
        if (earlier := once.earlier()) is not None:
            return earlier  # without calling the callback again
        settings = self.dispatcher.settings
        webhooks.check_callback_url(
            spec["callback_url"], private_allowed=settings.private_callbacks
        )
        subscriptions.check_events_and_filters(spec)
        webhooks.test_call(spec["callback_url"], spec["secret"], settings.webhook_timeout, now())
        return once.make(lambda tx: admin_changes.subscribe(tx.session, spec, caller, now()))

    @rpc(roles=ADMIN)
    def unsubscribe(self, subscription_id: str) -> None:
        caller = self.caller
        with self.db.transaction() as tx:
            admin_changes.unsubscribe(tx.session, str(subscription_id), caller, now())

    # the delivery log

    @rpc(roles=ADMIN)
    def deliveries(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        with self.db.transaction() as tx:
            return delivery_log.page(tx.session, load(DeliveryQuery, query or {}))

    @rpc(roles=ADMIN)
    def delivery(self, message_id: str) -> dict[str, Any]:
        with self.db.transaction() as tx:
            return delivery_log.detail(tx.session, delivery_log.find(tx.session, str(message_id)))

    @rpc(roles=ADMIN)
    def resend(self, message_id: str) -> dict[str, Any]:
        caller = self.caller
        with self.db.transaction() as tx:
            row = admin_changes.resend(tx.session, str(message_id), caller, now())
            answer = delivery_log.detail(tx.session, row)
        self.dispatcher.kick()
        return answer

    # templates

    @rpc(roles=OFFICE)
    def list_templates(self) -> dict[str, Any]:
        with self.db.transaction() as tx:
            return {
                "templates": template_store.listing(tx.session, self.dispatcher.intake.catalogue)
            }

    @rpc(roles=OFFICE)
    def get_template(self, name: str) -> dict[str, Any]:
        with self.db.transaction() as tx:
            return template_store.describe(tx.session, self.dispatcher.intake.catalogue, name)

    @rpc(roles=ADMIN)
    def add_template_version(
        self, name: str, version: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        caller = self.caller
        spec = load(TemplateVersionInput, version)
        once = Once(
            self.db.transaction,
            Keyed.of(caller.subject, "template_version", idempotency_key, {"name": name, **spec}),
            lambda tx, made: template_store.version_view(
                tx.session, name, spec["language"], int(made)
            ),
        )
        if (earlier := once.earlier()) is not None:
            return earlier
        catalogue = self.dispatcher.intake.catalogue
        return once.make(
            lambda tx: str(
                admin_changes.add_template_version(tx.session, catalogue, name, spec, caller, now())
            )
        )

    @rpc(roles=OFFICE)
    def preview_template(self, name: str, request: dict[str, Any] | None = None) -> dict[str, Any]:
        request = load(PreviewInput, request or {})
        intake_ = self.dispatcher.intake
        with self.db.transaction() as tx:
            return template_store.preview(
                tx.session, intake_.catalogue, name, request, intake_.office
            )

    # the audit trail

    @rpc(roles=ADMIN)
    def audit_trail(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """Administrators' changes, newest first: who (subject and name), when, what
        (entity: template, webhook, message; key), before and after."""
        asked = load(AuditQuery, query or {})
        with self.db.transaction() as tx:
            return changes(tx.session, asked)
