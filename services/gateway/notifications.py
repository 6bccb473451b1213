"""The notification routes: the inbox, preferences, webhooks, the delivery log, templates and
the clerks' live stream.

Each route calls one RPC of the notifications service, which owns every rule and checks the
caller's role again; the roles here describe the routes and refuse early. Bodies and answers
are the service's own schemas (services/notifications/schemas.py, here `contract`). The live
stream is served by the gateway itself (services/gateway/live.py).
"""

from __future__ import annotations

from typing import Any

from services.common.identity import ADMIN, OFFICE, SIGNED_IN
from services.common.keyset import InvalidCursor
from services.common.rpc import RemoteService
from services.gateway.http import api
from services.gateway.idempotency import idempotency_key, keyed_api
from services.gateway.live import live_stream
from services.notifications import errors as failures
from services.notifications import schemas as contract

PREFIX = "/api/v1/notifications"
_SUBSCRIPTION_ERRORS = (
    failures.UnknownEventType,
    failures.UnknownAttribute,
    failures.InvalidCallbackUrl,
    failures.CallbackTestFailed,
)


class NotificationRoutes:
    notifications = RemoteService("notifications")

    @api(
        "GET",
        f"{PREFIX}/inbox",
        roles=SIGNED_IN,
        query=contract.InboxQuery,
        response=contract.Inbox,
        errors=(InvalidCursor,),
    )
    def inbox(self, request, query: dict[str, Any]) -> dict[str, Any]:
        """The caller's inbox, newest first: messages to them and, for clerks and admins,
        their role's queue too (`audience: role`).

        Page with `limit` and `before` (the `next_cursor` of the page before; any other
        cursor is refused, 400 `invalid_cursor`); `unread_only=true` leaves out what was
        read. `unread` counts the whole inbox. An item of a role's queue is read or unread
        for each member on their own.
        """
        return self.notifications.inbox(query)

    @api("GET", f"{PREFIX}/inbox/unread-count", roles=SIGNED_IN, response=contract.UnreadCount)
    def unread_count(self, request) -> dict[str, Any]:
        """How many items in the caller's inbox are unread: for a badge, cheap to poll."""
        return self.notifications.unread_count()

    @api(
        "POST",
        f"{PREFIX}/inbox/<uuid(strict=False):item_id>/read",
        roles=SIGNED_IN,
        response=contract.InboxItem,
        errors=(failures.InboxItemNotFound,),
    )
    def mark_read(self, request, item_id) -> dict[str, Any]:
        """Mark one item read. Answers the item.

        Safe to retry: marking it again changes nothing.
        """
        return self.notifications.mark_read(str(item_id))

    @api("POST", f"{PREFIX}/inbox/read-all", roles=SIGNED_IN, response=contract.MarkedRead)
    def mark_all_read(self, request) -> dict[str, Any]:
        """Mark every item in the caller's inbox read.

        Safe to retry: what is read stays read; a second call marks nothing more.
        """
        return self.notifications.mark_all_read()

    @api("GET", f"{PREFIX}/preferences", roles=SIGNED_IN, response=contract.PreferencesView)
    def get_preferences(self, request) -> dict[str, Any]:
        """How the caller wants to hear from the office: language, channels, addresses.

        `updated_at` is null while the caller has never saved them (the defaults apply).
        """
        return self.notifications.get_preferences()

    @api(
        "PUT",
        f"{PREFIX}/preferences",
        roles=SIGNED_IN,
        body=contract.Preferences,
        response=contract.PreferencesView,
    )
    def set_preferences(self, request, body: dict[str, Any]) -> dict[str, Any]:
        """Replace the caller's preferences as a whole.

        `channels` switches e-mail, SMS and the inbox on or off; `phone` is E.164
        (+49...). `non_essential: false` stops reminders and invitations to rate; what
        the office must tell (a confirmation, a decision) is sent regardless.
        """
        return self.notifications.set_preferences(body)

    @api("GET", f"{PREFIX}/subscriptions", roles=ADMIN, response=contract.SubscriptionList)
    def list_subscriptions(self, request) -> dict[str, Any]:
        """The webhook subscriptions: who gets which events, where."""
        return self.notifications.list_subscriptions()

    @keyed_api(
        "POST",
        f"{PREFIX}/subscriptions",
        roles=ADMIN,
        body=contract.SubscriptionInput,
        response=contract.Subscription,
        responses={201: "The subscription; its deliveries start with the next event."},
        errors=_SUBSCRIPTION_ERRORS,
    )
    def subscribe(self, request, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Subscribe a callback URL to event types, optionally filtered by public attributes.

        The callback (https, on a public address) is called once with a signed test
        delivery and must answer 2xx, or nothing is subscribed. Every delivery is a POST
        of the event's public attributes only (never a name or an address; see
        docs/events.md), with `X-Rathaus-Timestamp` (Unix seconds) and
        `X-Rathaus-Signature: v1=<hex>`, the HMAC-SHA256 of `<timestamp>.<body>` under
        `secret`: recompute it and refuse old timestamps. The secret is not shown again.
        A subscription sent again with its `Idempotency-Key` is not tested again.
        """
        return 201, self.notifications.subscribe(body, idempotency_key=idempotency_key(request))

    @api(
        "DELETE",
        f"{PREFIX}/subscriptions/<uuid(strict=False):subscription_id>",
        roles=ADMIN,
        responses={204: "Unsubscribed; nothing more is delivered to it."},
        errors=(failures.SubscriptionNotFound,),
    )
    def unsubscribe(self, request, subscription_id) -> tuple[int, None]:
        """End a webhook subscription."""
        self.notifications.unsubscribe(str(subscription_id))
        return 204, None

    @api(
        "GET",
        f"{PREFIX}/deliveries",
        roles=ADMIN,
        query=contract.DeliveryQuery,
        response=contract.DeliveryList,
        errors=(InvalidCursor,),
    )
    def list_deliveries(self, request, query: dict[str, Any]) -> dict[str, Any]:
        """The delivery log, newest first: every message, its channel, status and tries.

        Filter by `status`, `channel` or the `event_id` it answers; page with `limit` and
        `before` (the `next_cursor` of the page before; any other cursor is refused, 400
        `invalid_cursor`).
        """
        return self.notifications.deliveries(query)

    @api(
        "GET",
        f"{PREFIX}/deliveries/<uuid(strict=False):message_id>",
        roles=ADMIN,
        response=contract.DeliveryView,
        errors=(failures.MessageNotFound,),
    )
    def get_delivery(self, request, message_id) -> dict[str, Any]:
        """One message with its text and every try; the text is null once purged."""
        return self.notifications.delivery(str(message_id))

    @api(
        "POST",
        f"{PREFIX}/deliveries/<uuid(strict=False):message_id>/resend",
        roles=ADMIN,
        response=contract.DeliveryView,
        errors=(failures.MessageNotFound, failures.NotResendable, failures.BodyPurged),
    )
    def resend_delivery(self, request, message_id) -> dict[str, Any]:
        """Send a message that failed for good once more, on the same channel, with the same
        text, and as many tries as at first. Answers the message.

        Safe to retry: a message sent again is no longer failed, and resending it again is
        refused (409 `not_resendable`) until it fails anew.
        """
        return self.notifications.resend(str(message_id))

    @api("GET", f"{PREFIX}/templates", roles=OFFICE, response=contract.TemplateList)
    def list_templates(self, request) -> dict[str, Any]:
        """The message templates: the events each answers and its version per language."""
        return self.notifications.list_templates()

    @api(
        "GET",
        f"{PREFIX}/templates/<name>",
        roles=OFFICE,
        response=contract.TemplateView,
        errors=(failures.UnknownTemplate,),
    )
    def get_template(self, request, name: str) -> dict[str, Any]:
        """A template with every version in each language and the links it may carry."""
        return self.notifications.get_template(name)

    @keyed_api(
        "POST",
        f"{PREFIX}/templates/<name>/versions",
        roles=ADMIN,
        body=contract.TemplateVersionInput,
        response=contract.NewTemplateVersion,
        responses={201: "The new version; it is used from the next message on."},
        errors=(failures.UnknownTemplate, failures.UnknownPlaceholder),
    )
    def add_template_version(
        self, request, body: dict[str, Any], name: str
    ) -> tuple[int, dict[str, Any]]:
        """Add a version of a template in one language; earlier versions are kept.

        A placeholder the template's events do not supply is refused
        (`unknown_placeholder`, naming it); preview first.
        """
        return 201, self.notifications.add_template_version(
            name, body, idempotency_key=idempotency_key(request)
        )

    @api(
        "POST",
        f"{PREFIX}/templates/<name>/preview",
        roles=OFFICE,
        body=contract.PreviewInput,
        response=contract.Preview,
        errors=(failures.UnknownTemplate, failures.MissingValues),
    )
    def preview_template(self, request, body: dict[str, Any], name: str) -> dict[str, Any]:
        """Render a template (its latest version, or `version`) with the `values` given:
        subject, plain text, HTML and SMS, as a recipient would get them.

        Safe to retry: nothing is sent or kept.
        """
        return self.notifications.preview_template(name, body)

    @live_stream(f"{PREFIX}/stream", roles=OFFICE)
    def live_queue(self, request) -> None:
        """The clerks' live stream: queue items as they arrive, as Server-Sent Events.

        A clerk gets the items for their role, an admin every item. The stream opens with
        `retry: 3000` and a comment, then sends each item as
        `id: <item_id>`, `event: queue_item` and `data: <the item as JSON>` (`item_id`,
        `role`, `event_id`, `event_type`, `title`, `facts`, `created_at`), and a comment
        every GATEWAY.stream_heartbeat seconds (15) so that proxies keep it open.

        Send the token in the Authorization header: tokens in a URL end up in logs, so
        the browser's bare `EventSource` (which cannot send headers) is not enough; use
        `fetch` with a streamed body or an EventSource polyfill that sends headers.

        The stream is a convenience, not a record: nothing is replayed (`Last-Event-ID` is
        ignored), and a client too slow to keep up is disconnected. Every item is also in
        the inbox, so after a reconnect `GET /api/v1/notifications/inbox` has everything.
        """
