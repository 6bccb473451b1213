"""The events of an application's case, and what their payloads hold.

The citizen's account, e-mail address and language are there for the notifications service
to write to them; they stay inside the platform. Webhooks and the clerks' stream carry the
case's id, number, type, department and status only; the department says whose clerks hear
of the case.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.events import define_event

SOURCE = "applications"
PUBLIC = ("case_id", "case_number", "application_type", "department")


class CaseFacts(Schema):
    case_id = fields.UUID(required=True)
    case_number = fields.String(required=True, metadata={"description": "e.g. 2026-BPA-000123"})
    application_type = fields.String(required=True, metadata={"description": "the type's key"})
    # optional on receipt: events recorded before it was added carry none
    department = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "the department whose clerks work the case (its type's); null in "
            "events recorded before departments were named"
        },
    )
    type_name = fields.String(
        required=True, metadata={"description": "the type's name in the citizen's language"}
    )
    citizen = fields.String(
        required=True, allow_none=True, metadata={"description": "personal: the account"}
    )
    email = fields.Email(
        required=True, allow_none=True, metadata={"description": "personal: stays inside"}
    )
    language = fields.String(required=True, validate=validate.OneOf(("de", "en")))


class Attachment(Schema):
    document_id = fields.UUID(required=True)
    purpose = fields.String(required=True, metadata={"description": "e.g. vehicle_registration"})
    title = fields.String(required=True, metadata={"description": "what the receipt lists"})


class Submitted(CaseFacts):
    processing_days = fields.Integer(
        required=True, metadata={"description": "the type's target processing time"}
    )
    submitted_at = fields.AwareDateTime(required=True)
    recipient_name = fields.String(
        required=True, metadata={"description": "personal: the receipt's addressee"}
    )
    fee_cents = fields.Integer(
        required=True, metadata={"description": "the type's fee, euro cents"}
    )
    attachments = fields.List(
        fields.Nested(Attachment),
        required=True,
        metadata={"description": "the citizen's documents, to be filed into the case"},
    )


class StatusChanged(CaseFacts):
    status = fields.String(required=True)
    status_text = fields.String(
        required=True, metadata={"description": "the status's citizen-facing text, their language"}
    )
    inform_citizen = fields.Boolean(required=True)
    # optional on receipt: events recorded before it was added carry none
    closed = fields.Boolean(
        load_default=False,
        metadata={
            "description": "whether the status closes the case (completed, withdrawn): "
            "consumers read it here instead of restating the types' rules"
        },
    )


class InformationRequested(CaseFacts):
    question = fields.String(required=True, metadata={"description": "the clerk's request"})


class Decided(CaseFacts):
    decision = fields.String(required=True, validate=validate.OneOf(("approved", "rejected")))
    reason = fields.String(required=True, metadata={"description": "the clerk's reasons"})
    decided_at = fields.AwareDateTime(required=True)
    recipient_name = fields.String(
        required=True, metadata={"description": "personal: the letter's addressee"}
    )
    clerk = fields.String(
        required=True, metadata={"description": "who decided (account); never in a letter"}
    )
    # optional: events recorded before it was added carry none
    clerk_name = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "personal: the deciding clerk's name, as the letter is signed; null "
            "when their sign-in names none (the letter is then signed by the office)"
        },
    )


APPLICATION_SUBMITTED = define_event(
    SOURCE,
    "application_submitted",
    Submitted,
    description="A citizen submitted an application; it has a case number and waits for a clerk.",
    public=(*PUBLIC, "processing_days"),
)
APPLICATION_STATUS_CHANGED = define_event(
    SOURCE,
    "application_status_changed",
    StatusChanged,
    description="A case moved to another status; inform_citizen says whether the citizen hears.",
    public=(*PUBLIC, "status", "inform_citizen", "closed"),
)
APPLICATION_INFORMATION_REQUESTED = define_event(
    SOURCE,
    "application_information_requested",
    InformationRequested,
    description="A clerk asked the citizen for more information or documents.",
    public=PUBLIC,
)
APPLICATION_DECIDED = define_event(
    SOURCE,
    "application_decided",
    Decided,
    description="A case was decided: the documents service issues the decision letter and the "
    "citizen is told.",
    public=(*PUBLIC, "decision"),
)
