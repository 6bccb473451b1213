"""The events the notifications service publishes.

`notification_sent` and `notification_failed` say what happened to one message, without
its recipient's address or its text. `clerk_queue_item_added` is broadcast: every gateway
instance receives it and pushes it to the clerks of its role on the live stream (of its
department, when it names one); it is transient, dropped when no gateway listens.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.events import define_event
from services.notifications.outcomes import CHANNELS, FAILURES

SOURCE = "notifications"


class MessageFacts(Schema):
    message_id = fields.UUID(required=True)
    event_id = fields.UUID(required=True, metadata={"description": "the event it answers"})
    event_type = fields.String(required=True, metadata={"description": "source.type"})
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    template = fields.String(required=True, allow_none=True)
    attempts = fields.Integer(required=True)
    facts = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "the triggering event's public attributes (a case's id, ...)"},
    )


class NotificationFailed(MessageFacts):
    status = fields.String(required=True, validate=validate.OneOf(FAILURES))
    reason = fields.String(required=True, metadata={"description": "the last provider answer"})


class QueueItem(Schema):
    item_id = fields.UUID(required=True)
    role = fields.String(required=True, metadata={"description": "the clerks' role it is for"})
    department = fields.String(
        allow_none=True,
        metadata={
            "description": "the department whose clerks it is for; absent for a role's items"
        },
    )
    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True, metadata={"description": "source.type"})
    title = fields.String(required=True, metadata={"description": "from public facts only"})
    facts = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "the triggering event's public attributes"},
    )
    created_at = fields.AwareDateTime(required=True)


MESSAGE_PUBLIC = (
    "message_id",
    "event_id",
    "event_type",
    "channel",
    "template",
    "attempts",
    "facts",
)

NOTIFICATION_SENT = define_event(
    SOURCE,
    "notification_sent",
    MessageFacts,
    description="A message was delivered on its channel (accepted by the SMTP server, the SMS "
    "provider or the webhook's receiver; put into an inbox).",
    public=MESSAGE_PUBLIC,
)
NOTIFICATION_FAILED = define_event(
    SOURCE,
    "notification_failed",
    NotificationFailed,
    description="A message failed for good: refused, or every try used up. Admins are alerted; "
    "it can be re-sent from the delivery log.",
    public=(*MESSAGE_PUBLIC, "status"),
)
CLERK_QUEUE_ITEM_ADDED = define_event(
    SOURCE,
    "clerk_queue_item_added",
    QueueItem,
    description="Something entered a clerks' queue. Broadcast: every gateway instance takes it "
    "and pushes it to the signed-in clerks of the role (and of the department, when it names "
    "one) on the live stream. Transient: published to `notifications.transient`; while no "
    "gateway runs it is dropped and counted (`rathaus_events_dropped_total`), not parked; "
    "the item is in the inbox anyway.",
    public=(
        "item_id",
        "role",
        "department",
        "event_id",
        "event_type",
        "title",
        "facts",
        "created_at",
    ),
    transient=True,
)
