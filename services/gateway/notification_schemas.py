"""The notification routes' answers, as the gateway gives them.

Request bodies and queries are the notifications service's own input schemas (it owns
every rule); the answers are described here. Times are ISO 8601 strings with their offset.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from services.gateway.schemas import doc
from services.notifications.outcomes import STATUSES
from services.notifications.schemas import Channels


class InboxItem(Schema):
    item_id = fields.String()
    title = fields.String()
    body = fields.String()
    event_type = fields.String(metadata=doc("source.type of the event it tells of"))
    created_at = fields.String()
    read_at = fields.String(allow_none=True, metadata=doc("null while unread"))
    audience = fields.String(
        metadata={
            "enum": ["personal", "role"],
            "description": "personal: for the caller alone; role: for every clerk of the role",
        }
    )


class Inbox(Schema):
    items = fields.List(fields.Nested(InboxItem), metadata=doc("newest first"))
    unread = fields.Integer(metadata=doc("unread items in the whole inbox, not only this page"))
    next_cursor = fields.String(
        allow_none=True, metadata=doc("pass as `before` for the next page; null on the last")
    )


class UnreadCount(Schema):
    unread = fields.Integer()


class MarkedRead(Schema):
    marked = fields.Integer(metadata=doc("how many items were unread until now"))


class PreferencesView(Schema):
    language = fields.String(metadata={"enum": ["de", "en"]})
    channels = fields.Nested(Channels, metadata=doc("the channels the caller wants mail on"))
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True, metadata=doc("E.164, for SMS"))
    non_essential = fields.Boolean(
        metadata=doc("reminders, invitations to rate; essential messages always go")
    )
    updated_at = fields.String(allow_none=True, metadata=doc("null until first saved"))


class Subscription(Schema):
    subscription_id = fields.String()
    event_types = fields.List(fields.String(), metadata=doc("source.type"))
    filters = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata=doc("public attribute -> exact value, or * for any"),
    )
    callback_url = fields.String()
    created_at = fields.String()
    created_by = fields.String()


class SubscriptionList(Schema):
    subscriptions = fields.List(fields.Nested(Subscription))


class Delivery(Schema):
    message_id = fields.String()
    event_id = fields.String(metadata=doc("the event the message answers"))
    event_type = fields.String(metadata=doc("source.type"))
    channel = fields.String(metadata={"enum": ["email", "sms", "inbox", "webhook"]})
    template = fields.String(allow_none=True)
    template_version = fields.Integer(allow_none=True)
    language = fields.String(allow_none=True)
    recipient = fields.String(
        metadata=doc("masked (a***@example.org, +49***12): enough to tell messages apart")
    )
    status = fields.String(metadata={"enum": list(STATUSES)})
    attempts = fields.Integer()
    created_at = fields.String()
    updated_at = fields.String()
    next_attempt_at = fields.String(allow_none=True, metadata=doc("when it is tried again"))
    delivered_at = fields.String(allow_none=True)
    purged = fields.Boolean(metadata=doc("the text is gone after its retention"))


class DeliveryList(Schema):
    deliveries = fields.List(fields.Nested(Delivery), metadata=doc("newest first"))
    next_cursor = fields.String(
        allow_none=True, metadata=doc("pass as `before` for the next page; null on the last")
    )


class Attempt(Schema):
    number = fields.Integer(metadata=doc("from 1"))
    at = fields.String()
    channel = fields.String()
    outcome = fields.String(metadata=doc("delivered, or the kind of failure"))
    response = fields.String(allow_none=True, metadata=doc("what the provider answered"))


class DeliveryView(Delivery):
    subject = fields.String(allow_none=True, metadata=doc("null once purged"))
    text = fields.String(allow_none=True, metadata=doc("null once purged"))
    attempt_log = fields.List(fields.Nested(Attempt))


class LatestVersion(Schema):
    version = fields.Integer(metadata=doc("the version in use"))


class TemplateSummary(Schema):
    name = fields.String()
    events = fields.List(fields.String(), metadata=doc("the events (source.type) it answers"))
    languages = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(LatestVersion),
        metadata=doc("language (de, en) -> its latest version"),
    )


class TemplateList(Schema):
    templates = fields.List(fields.Nested(TemplateSummary))


class TemplateVersionView(Schema):
    version = fields.Integer(metadata=doc("1 ships with the service; admins add the next"))
    language = fields.String(metadata=doc("de or en: the language this text is in"))
    subject = fields.String()
    body = fields.String(metadata=doc("the text, with ((placeholders)) such as ((start|date))"))
    sms = fields.String(allow_none=True, metadata=doc("the SMS text; without it, the subject"))
    created_at = fields.String(allow_none=True, metadata=doc("null for version 1"))
    created_by = fields.String(allow_none=True, metadata=doc("null for version 1"))


class TemplateView(Schema):
    name = fields.String()
    events = fields.List(fields.String(), metadata=doc("the events (source.type) it answers"))
    links = fields.List(
        fields.String(), metadata=doc("the values that stay links (the platform made them)")
    )
    values = fields.List(
        fields.String(), metadata=doc("the placeholders its events supply; only these may be used")
    )
    versions = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(TemplateVersionView)),
        metadata=doc("language (de, en) -> every version, oldest first; the latest is in use"),
    )


class NewTemplateVersion(TemplateVersionView):
    language = fields.String(metadata={"enum": ["de", "en"]})


class Preview(Schema):
    name = fields.String()
    language = fields.String()
    version = fields.Integer()
    subject = fields.String()
    text = fields.String(metadata=doc("the plain-text mail"))
    html = fields.String(metadata=doc("the HTML mail"))
    sms = fields.String(allow_none=True)
