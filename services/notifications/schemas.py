"""What the notifications service's RPCs take, checked with marshmallow."""

from __future__ import annotations

from marshmallow import fields, validate

from services.common.loading import Strict
from services.notifications.outcomes import CHANNELS, STATUSES

LANGUAGES = ("de", "en")
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
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
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
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    sms = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=480))


class PreviewInput(Strict):
    language = fields.String(load_default="de", validate=validate.OneOf(LANGUAGES))
    values = fields.Dict(keys=fields.String(), values=fields.Raw(), load_default=dict)
    version = fields.Integer(load_default=None, validate=validate.Range(min=1))
