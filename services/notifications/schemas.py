"""What the notifications service's RPCs take, checked with marshmallow, and what they answer.

The answers' schemas are the contract: every RPC dumps its answer through its own
(`@rpc(answers=...)`), and the gateway and the OpenAPI document refer to them. Times are
ISO 8601 strings with their offset.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.answers import doc
from services.common.language import language_field
from services.common.loading import Strict
from services.notifications.outcomes import CHANNELS, STATUSES

# E.164: a plus, a country code and the number, 8 to 15 digits in all
PHONE = validate.Regexp(r"^\+[1-9][0-9]{7,14}$", error="An international number: +49...")
CURSOR = fields.String(load_default=None, validate=validate.Length(max=200))


class Page(Strict):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    before = CURSOR


class InboxQuery(Page):
    unread_only = fields.Boolean(load_default=False)


class Channels(Strict):
    email = fields.Boolean(required=True)
    sms = fields.Boolean(required=True)
    inbox = fields.Boolean(required=True)


class Preferences(Strict):
    language = language_field(required=True)
    channels = fields.Nested(Channels, required=True)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=320))
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    non_essential = fields.Boolean(
        load_default=True,
        metadata={"description": "reminders, invitations to rate; false switches them off"},
    )


class SubscriptionInput(Strict):
    event_types = fields.List(
        fields.String(validate=validate.Length(min=3, max=120)),
        required=True,
        validate=validate.Length(min=1, max=50),
        metadata={"description": "source.type, for example appointments.appointment_confirmed"},
    )
    filters = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=100)),
        values=fields.String(validate=validate.Length(max=200)),
        load_default=dict,
        metadata={"description": "public attribute -> exact value, or * for any"},
    )
    callback_url = fields.String(required=True, validate=validate.Length(min=8, max=2000))
    secret = fields.String(
        required=True,
        validate=validate.Length(min=16, max=200),
        metadata={"description": "signs every delivery (HMAC-SHA256); never shown again"},
    )


class DeliveryQuery(Page):
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    channel = fields.String(load_default=None, validate=validate.OneOf(CHANNELS))
    event_id = fields.UUID(load_default=None)


class TemplateVersionInput(Strict):
    language = language_field(required=True)
    subject = fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    sms = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=480))


class PreviewInput(Strict):
    language = language_field()
    values = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)
    version = fields.Integer(load_default=None, validate=validate.Range(min=1))


# answers ------------------------------------------------------------------------------
# every field is in every answer (null where allow_none says so)


class InboxItem(Schema):
    item_id = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    event_type = fields.String(metadata=doc("source.type of the event it tells of"), required=True)
    created_at = fields.String(required=True)
    read_at = fields.String(allow_none=True, metadata=doc("null while unread"), required=True)
    audience = fields.String(
        metadata={
            "enum": ["personal", "role"],
            "description": "personal: for the caller alone; role: for every clerk of the role",
        },
        required=True,
    )


class Inbox(Schema):
    items = fields.List(fields.Nested(InboxItem), metadata=doc("newest first"), required=True)
    unread = fields.Integer(
        metadata=doc("unread items in the whole inbox, not only this page"), required=True
    )
    next_cursor = fields.String(
        allow_none=True,
        metadata=doc("pass as `before` for the next page; null on the last"),
        required=True,
    )


class UnreadCount(Schema):
    unread = fields.Integer(required=True)


class MarkedRead(Schema):
    marked = fields.Integer(metadata=doc("how many items were unread until now"), required=True)


class PreferencesView(Schema):
    language = fields.String(metadata={"enum": ["de", "en"]}, required=True)
    channels = fields.Nested(
        Channels, metadata=doc("the channels the caller wants mail on"), required=True
    )
    email = fields.String(allow_none=True, required=True)
    phone = fields.String(allow_none=True, metadata=doc("E.164, for SMS"), required=True)
    non_essential = fields.Boolean(
        metadata=doc("reminders, invitations to rate; essential messages always go"),
        required=True,
    )
    updated_at = fields.String(
        allow_none=True, metadata=doc("null until first saved"), required=True
    )


class Subscription(Schema):
    subscription_id = fields.String(required=True)
    event_types = fields.List(fields.String(), metadata=doc("source.type"), required=True)
    filters = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata=doc("public attribute -> exact value, or * for any"),
        required=True,
    )
    callback_url = fields.String(required=True)
    created_at = fields.String(required=True)
    created_by = fields.String(required=True)


class SubscriptionList(Schema):
    subscriptions = fields.List(fields.Nested(Subscription), required=True)


class Delivery(Schema):
    message_id = fields.String(required=True)
    event_id = fields.String(metadata=doc("the event the message answers"), required=True)
    event_type = fields.String(metadata=doc("source.type"), required=True)
    channel = fields.String(metadata={"enum": ["email", "sms", "inbox", "webhook"]}, required=True)
    template = fields.String(allow_none=True, required=True)
    template_version = fields.Integer(allow_none=True, required=True)
    language = fields.String(allow_none=True, required=True)
    recipient = fields.String(
        metadata=doc("masked (a***@example.org, +49***12): enough to tell messages apart"),
        required=True,
    )
    status = fields.String(metadata={"enum": list(STATUSES)}, required=True)
    attempts = fields.Integer(required=True)
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)
    next_attempt_at = fields.String(
        allow_none=True, metadata=doc("when it is tried again"), required=True
    )
    delivered_at = fields.String(allow_none=True, required=True)
    purged = fields.Boolean(metadata=doc("the text is gone after its retention"), required=True)


class DeliveryList(Schema):
    deliveries = fields.List(fields.Nested(Delivery), metadata=doc("newest first"), required=True)
    next_cursor = fields.String(
        allow_none=True,
        metadata=doc("pass as `before` for the next page; null on the last"),
        required=True,
    )


class Attempt(Schema):
    number = fields.Integer(metadata=doc("from 1"), required=True)
    at = fields.String(required=True)
    channel = fields.String(required=True)
    outcome = fields.String(metadata=doc("delivered, or the kind of failure"), required=True)
    response = fields.String(
        allow_none=True, metadata=doc("what the provider answered"), required=True
    )


class DeliveryView(Delivery):
    subject = fields.String(allow_none=True, metadata=doc("null once purged"), required=True)
    text = fields.String(allow_none=True, metadata=doc("null once purged"), required=True)
    attempt_log = fields.List(fields.Nested(Attempt), required=True)


class LatestVersion(Schema):
    version = fields.Integer(metadata=doc("the version in use"), required=True)


class TemplateSummary(Schema):
    name = fields.String(required=True)
    events = fields.List(
        fields.String(), metadata=doc("the events (source.type) it answers"), required=True
    )
    languages = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(LatestVersion),
        metadata=doc("language (de, en) -> its latest version"),
        required=True,
    )


class TemplateList(Schema):
    templates = fields.List(fields.Nested(TemplateSummary), required=True)


class TemplateVersionView(Schema):
    version = fields.Integer(
        metadata=doc("1 ships with the service; admins add the next"), required=True
    )
    language = fields.String(metadata=doc("de or en: the language this text is in"), required=True)
    subject = fields.String(required=True)
    body = fields.String(
        metadata=doc("the text, with ((placeholders)) such as ((start|date))"), required=True
    )
    sms = fields.String(
        allow_none=True, metadata=doc("the SMS text; without it, the subject"), required=True
    )
    created_at = fields.String(allow_none=True, metadata=doc("null for version 1"), required=True)
    created_by = fields.String(allow_none=True, metadata=doc("null for version 1"), required=True)


class TemplateView(Schema):
    name = fields.String(required=True)
    events = fields.List(
        fields.String(), metadata=doc("the events (source.type) it answers"), required=True
    )
    links = fields.List(
        fields.String(),
        metadata=doc("the values that stay links (the platform made them)"),
        required=True,
    )
    values = fields.List(
        fields.String(),
        metadata=doc("the placeholders its events supply; only these may be used"),
        required=True,
    )
    versions = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(TemplateVersionView)),
        metadata=doc("language (de, en) -> every version, oldest first; the latest is in use"),
        required=True,
    )


class NewTemplateVersion(TemplateVersionView):
    language = fields.String(metadata={"enum": ["de", "en"]}, required=True)


class Preview(Schema):
    name = fields.String(required=True)
    language = fields.String(required=True)
    version = fields.Integer(required=True)
    subject = fields.String(required=True)
    text = fields.String(metadata=doc("the plain-text mail"), required=True)
    html = fields.String(metadata=doc("the HTML mail"), required=True)
    sms = fields.String(allow_none=True, required=True)
