"""The events of feedback and participation, and what their payloads hold."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.events import define_event

SOURCE = "feedback"


class OfficialAnswer(Schema):
    item_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("report", "idea")))
    title = fields.String(required=True, metadata={"description": "as the citizen wrote it"})
    status = fields.String(required=True)
    answer = fields.String(required=True, metadata={"description": "the town's answer"})
    citizen = fields.String(
        required=True, allow_none=True, metadata={"description": "personal: the author's account"}
    )
    email = fields.Email(
        required=True, allow_none=True, metadata={"description": "personal: stays inside"}
    )
    language = fields.String(required=True, validate=validate.OneOf(("de", "en")))


define_event(
    SOURCE,
    "official_answer_published",
    OfficialAnswer,
    description="The town answered a report or an idea; its author hears of it.",
    public=("item_id", "kind", "status"),
)
