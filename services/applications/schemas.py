"""What the applications service's RPCs take, checked with marshmallow."""

from __future__ import annotations

from marshmallow import fields, validate

from services.common.loading import Strict

ID = fields.String(validate=validate.Length(1, 64))


class AttachmentRef(Strict):
    document_id = fields.UUID(required=True)
    purpose = fields.String(required=True, validate=validate.Length(1, 50))


class Contact(Strict):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=320))


class DraftInput(Strict):
    application_type = fields.String(required=True, validate=validate.Length(1, 50))
    form = fields.Dict(keys=fields.String(), load_default=dict)
    attachments = fields.List(fields.Nested(AttachmentRef), load_default=list)
    contact = fields.Dict(keys=fields.String(), load_default=dict)


class Submission(Strict):
    application_type = fields.String(required=True, validate=validate.Length(1, 50))
    form = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={
            "description": "the form, as its type's JSON Schema says: GET "
            "/api/v1/applications/types/{application_type}/schema.json, or the component "
            "ApplicationForm.<application_type>"
        },
    )
    attachments = fields.List(
        fields.Nested(AttachmentRef), load_default=list, validate=validate.Length(max=30)
    )
    contact = fields.Nested(Contact, required=True)
    language = fields.String(load_default="de", validate=validate.OneOf(("de", "en")))
    idempotency_key = fields.String(load_default=None, validate=validate.Length(1, 200))
    draft_id = fields.UUID(load_default=None)


class Answer(Strict):
    text = fields.String(required=True, validate=validate.Length(1, 5000))
    attachments = fields.List(
        fields.Nested(AttachmentRef), load_default=list, validate=validate.Length(max=10)
    )


class Text(Strict):
    text = fields.String(required=True, validate=validate.Length(1, 5000))


class Decision(Strict):
    decision = fields.String(required=True, validate=validate.OneOf(("approved", "rejected")))
    reason = fields.String(required=True, validate=validate.Length(1, 5000))


class Assignment(Strict):
    assignee = fields.String(required=True, allow_none=True, validate=validate.Length(1, 200))


class Worklist(Strict):
    application_type = fields.String(load_default=None)
    status = fields.String(load_default=None)
    assignee = fields.String(load_default=None)
    overdue = fields.Boolean(load_default=False)
    sort = fields.String(
        load_default="submitted_at",
        validate=validate.OneOf(("submitted_at", "-submitted_at", "due_at", "-due_at")),
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    cursor = fields.String(load_default=None, validate=validate.Length(max=200))
