"""The notifications service's entrypoints: events in, messages out, and the RPCs behind the
inbox, preferences, webhooks, templates and the delivery log. Each loads its input, builds
the command and calls its use case (services/notifications/use_cases)."""

from __future__ import annotations

from typing import Any

from services.applications import events as applications_events
from services.appointments import events as appointments_events
from services.common import dead_letter_trail
from services.common import service as common
from services.common.audit import AuditPage, AuditQuery
from services.common.clock import system_clock
from services.common.events import Event
from services.common.handlers import event_handler
from services.common.identity import ADMIN, OFFICE, SIGNED_IN
from services.common.loading import load
from services.common.rpc_entrypoint import rpc
from services.common.timers import every
from services.documents import events as documents_events
from services.feedback import events as feedback_events
from services.notifications import schemas as answers
from services.notifications import webhooks
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
from services.notifications.use_cases import audit, deliveries, personal, taking, templates
from services.notifications.use_cases import webhooks as subscribing

# every event of these services: the routing picks some, webhooks may want any
ALL = "#"
EVENTS_TAKEN_TOGETHER = 50  # events of one source taken in one transaction at most


class NotificationsService(dead_letter_trail.DeadLetterTrail, common.ServiceBase):
    name = "notifications"

    dispatcher = Dispatcher()

    # Retry policy: the EVENTS defaults, nothing permanent. Taking an event refuses nothing
    # for good: one no route and no subscription wants makes no message, and one that breaks
    # its contract is dead-lettered before it gets here. What fails is a fault (the database
    # away, a lock timed out), retried with back-off, then dead-lettered for an operator.
    # Every event of the platform comes here: those that arrive together are taken in one
    # transaction.

    @event_handler(appointments_events.SOURCE, ALL, batch=EVENTS_TAKEN_TOGETHER)
    def on_appointments_event(self, events: list[Event]) -> None:
        self._take(appointments_events.SOURCE, events)

    @event_handler(applications_events.SOURCE, ALL, batch=EVENTS_TAKEN_TOGETHER)
    def on_applications_event(self, events: list[Event]) -> None:
        self._take(applications_events.SOURCE, events)

    @event_handler(documents_events.SOURCE, ALL, batch=EVENTS_TAKEN_TOGETHER)
    def on_documents_event(self, events: list[Event]) -> None:
        self._take(documents_events.SOURCE, events)

    @event_handler(feedback_events.SOURCE, ALL, batch=EVENTS_TAKEN_TOGETHER)
    def on_feedback_event(self, events: list[Event]) -> None:
        self._take(feedback_events.SOURCE, events)

    def _take(self, source: str, events: list[Event]) -> None:
        command = taking.TakeEvents(source, events)
        dispatcher = self.dispatcher
        taking.take_events(command, self.db, system_clock, dispatcher.intake, dispatcher.kick)

    @every(interval=lambda: NotificationSettings.from_config().purge_interval)
    def purge(self) -> None:
        """Message texts past their retention go; the log keeps who, when, which channel."""
        taking.purge_expired(self.db, system_clock, self.dispatcher.settings)

    # the inbox

    @rpc(roles=SIGNED_IN, answers=answers.Inbox)
    def inbox(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        command = personal.ReadInbox(self.caller, load(InboxQuery, query or {}))
        return personal.read_inbox(command, self.db)

    @rpc(roles=SIGNED_IN, answers=answers.UnreadCount)
    def unread_count(self) -> dict[str, int]:
        return personal.count_unread(personal.CountUnread(self.caller), self.db)

    @rpc(roles=SIGNED_IN, answers=answers.InboxItem)
    def mark_read(self, item_id: str) -> dict[str, Any]:
        command = personal.MarkRead(self.caller, str(item_id))
        return personal.mark_read(command, self.db, system_clock)

    @rpc(roles=SIGNED_IN, answers=answers.MarkedRead)
    def mark_all_read(self) -> dict[str, int]:
        return personal.mark_all_read(personal.MarkAllRead(self.caller), self.db, system_clock)

    # preferences

    @rpc(roles=SIGNED_IN, answers=answers.PreferencesView)
    def get_preferences(self) -> dict[str, Any]:
        command = personal.ReadPreferences(self.caller)
        return personal.read_preferences(command, self.db, self.dispatcher.settings)

    @rpc(roles=SIGNED_IN, answers=answers.PreferencesView)
    def set_preferences(self, chosen: dict[str, Any]) -> dict[str, Any]:
        command = personal.SetPreferences(self.caller, load(Preferences, chosen))
        return personal.set_preferences(command, self.db, system_clock)

    # webhooks

    @rpc(roles=ADMIN, answers=answers.SubscriptionList)
    def list_subscriptions(self) -> dict[str, Any]:
        return subscribing.list_subscriptions(self.db)

    @rpc(roles=ADMIN, answers=answers.Subscription)
    def subscribe(self, spec: dict[str, Any], idempotency_key: str | None = None) -> dict[str, Any]:
        command = subscribing.Subscribe(self.caller, load(SubscriptionInput, spec), idempotency_key)
        return subscribing.subscribe(
            command, self.db, system_clock, self.dispatcher.settings, webhooks.test_call
        )

    @rpc(roles=ADMIN)
    def unsubscribe(self, subscription_id: str) -> None:
        command = subscribing.Unsubscribe(self.caller, str(subscription_id))
        subscribing.unsubscribe(command, self.db, system_clock)

    # the delivery log

    @rpc(roles=ADMIN, answers=answers.DeliveryList)
    def deliveries(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        command = deliveries.ListDeliveries(load(DeliveryQuery, query or {}))
        return deliveries.list_deliveries(command, self.db)

    @rpc(roles=ADMIN, answers=answers.DeliveryView)
    def delivery(self, message_id: str) -> dict[str, Any]:
        return deliveries.show_delivery(deliveries.ShowDelivery(str(message_id)), self.db)

    @rpc(roles=ADMIN, answers=answers.DeliveryView)
    def resend(self, message_id: str) -> dict[str, Any]:
        command = deliveries.Resend(self.caller, str(message_id))
        return deliveries.resend(command, self.db, system_clock, self.dispatcher.kick)

    # templates

    @rpc(roles=OFFICE, answers=answers.TemplateList)
    def list_templates(self) -> dict[str, Any]:
        return templates.list_templates(self.db, self.dispatcher.intake)

    @rpc(roles=OFFICE, answers=answers.TemplateView)
    def get_template(self, name: str) -> dict[str, Any]:
        command = templates.ShowTemplate(name)
        return templates.show_template(command, self.db, self.dispatcher.intake)

    @rpc(roles=ADMIN, answers=answers.NewTemplateVersion)
    def add_template_version(
        self, name: str, version: dict[str, Any], idempotency_key: str | None = None
    ) -> dict[str, Any]:
        spec = load(TemplateVersionInput, version)
        command = templates.AddTemplateVersion(self.caller, name, spec, idempotency_key)
        return templates.add_template_version(
            command, self.db, system_clock, self.dispatcher.intake
        )

    @rpc(roles=OFFICE, answers=answers.Preview)
    def preview_template(self, name: str, request: dict[str, Any] | None = None) -> dict[str, Any]:
        command = templates.PreviewTemplate(name, load(PreviewInput, request or {}))
        return templates.preview_template(command, self.db, self.dispatcher.intake)

    # the audit trail

    @rpc(roles=ADMIN, answers=AuditPage)
    def audit_trail(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """Administrators' changes, newest first: who (subject and name), when, what
        (entity: template, webhook, message; key), before and after."""
        command = audit.ReadAuditTrail(load(AuditQuery, query or {}))
        return audit.read_audit_trail(command, self.db)
