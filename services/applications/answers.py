"""What the applications service answers: the schemas its RPCs dump every answer through
(`@rpc(answers=...)`, services.common.answers).

They are the contract: the gateway's routes and the OpenAPI document refer to them, and the
portal reads the keys they name. A field the service adds to an answer goes here too, or
the call fails wherever RPC_STRICT_ANSWERS is on; a field every answer has is required, so
one named here and missing from an answer fails too. Times are ISO 8601 strings with their
offset. What the service takes is in schemas.py.
"""

from __future__ import annotations

from typing import ClassVar

from marshmallow import Schema, fields

from services.applications.schemas import AttachmentRef


class _Answer(Schema):
    """An answer's schema: every field is in every answer, but those in `optional` (shown
    to the office or to the citizen only)."""

    optional: ClassVar[frozenset[str]] = frozenset()

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        field_obj.required = field_name not in self.optional


def _doc(text: str) -> dict[str, str]:
    return {"description": text}


_STATUS = _doc("the status's key: submitted, in_review, information_requested, approved, ...")

# the catalogue


class AttachmentSpecView(_Answer):
    purpose = fields.String(metadata=_doc("name it in an attachment's `purpose`"))
    required = fields.Boolean(metadata=_doc("a submission without it is refused"))
    document_types = fields.List(fields.String(), metadata=_doc("the document types it may be"))
    name = fields.String(metadata=_doc("what the office calls it"))


class StatusView(_Answer):
    status = fields.String()
    text = fields.String(metadata=_doc("what the citizen reads"))
    final = fields.Boolean(metadata=_doc("the case is closed in it"))


class ApplicationTypeView(_Answer):
    key = fields.String(metadata=_doc("name it in `application_type`"))
    name = fields.String()
    fee_cents = fields.Integer(metadata=_doc("the fee in euro cents; 0 for none"))
    processing_days = fields.Integer(metadata=_doc("working days until the case is due"))
    department = fields.String(
        metadata=_doc("the department whose clerks work its cases (a clerk sees only theirs)")
    )
    department_name = fields.String(metadata=_doc("the department's name"))
    form = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata=_doc("the form's fields -> their kind (string, date, nested, list ...)"),
    )
    required_fields = fields.List(fields.String())
    form_schema = fields.Dict(
        keys=fields.String(),
        metadata=_doc(
            "the form as JSON Schema (draft 2020-12), titles and descriptions in the language "
            "asked and the other under `x-translations`; its `$id` is where it is served "
            "(GET .../types/{key}/schema.json) and what a case's metadata names"
        ),
    )
    attachments = fields.List(fields.Nested(AttachmentSpecView))
    statuses = fields.List(fields.Nested(StatusView), metadata=_doc("in their order"))


# drafts


class DraftView(_Answer):
    draft_id = fields.String()
    application_type = fields.String()
    form = fields.Dict(keys=fields.String(), metadata=_doc("as saved: not checked until submitted"))
    attachments = fields.List(fields.Nested(AttachmentRef))
    contact = fields.Dict(keys=fields.String())
    updated_at = fields.String()


# cases


class CaseAttachment(_Answer):
    document_id = fields.String()
    purpose = fields.String()
    sha256 = fields.String(metadata=_doc("of the version attached, as submitted"))
    media_type = fields.String(metadata=_doc("of the version attached, as submitted"))


class HistoryEntry(_Answer):
    # the office sees who did a step; the citizen how they were told of it
    optional = frozenset({"actor", "notified_by", "notice_failed"})

    at = fields.String()
    action = fields.String(
        metadata=_doc("submit, assign, start_review, request_information, answer, approve ...")
    )
    from_status = fields.String(allow_none=True, metadata=_doc("null for the submission"))
    to_status = fields.String(allow_none=True)
    text = fields.String(allow_none=True, metadata=_doc("a question, an answer or a reason"))
    documents = fields.List(fields.String(), metadata=_doc("documents attached by this step"))
    actor = fields.String(allow_none=True, metadata=_doc("who did it; shown to the office only"))
    notified_by = fields.List(
        fields.String(),
        metadata=_doc(
            "the citizen's view: the channels (email, sms, inbox) that told them of this step; "
            "the office sees each message as an entry of its own instead"
        ),
    )
    notice_failed = fields.Boolean(
        metadata=_doc("the citizen's view: a message about this step could not be delivered")
    )


class NoteView(_Answer):
    note_id = fields.Integer()
    at = fields.String()
    author = fields.String()
    text = fields.String()


class CaseView(_Answer):
    optional = frozenset({"assignee", "notes"})  # what the office sees besides

    case_id = fields.String()
    case_number = fields.String(metadata=_doc("the reference to quote: 2026-BPA-000123"))
    application_type = fields.String()
    type_name = fields.String(metadata=_doc("in the case's language"))
    status = fields.String(metadata=_STATUS)
    status_text = fields.String(metadata=_doc("what the citizen reads, in the case's language"))
    closed = fields.Boolean(metadata=_doc("completed or withdrawn: it takes no changes"))
    open_request = fields.String(
        allow_none=True, metadata=_doc("what the office asked and waits for; null if nothing")
    )
    submitted_at = fields.String()
    due_at = fields.String(metadata=_doc("the target date, in working days"))
    form = fields.Dict(keys=fields.String(), metadata=_doc("as checked and stored"))
    contact = fields.Dict(keys=fields.String())
    submission = fields.Dict(
        keys=fields.String(),
        metadata=_doc("FIT-Connect-shaped metadata: the service, the schema, SHA-256 of each part"),
    )
    attachments = fields.List(fields.Nested(CaseAttachment))
    history = fields.List(
        fields.Nested(HistoryEntry),
        metadata=_doc(
            "oldest first; the office sees every entry, the citizen one per step of the case "
            "(the messages that told them folded into it, assignments left out)"
        ),
    )
    allowed_actions = fields.List(
        fields.String(),
        metadata=_doc(
            "what the caller may do with the case now: the office its moves (start_review, "
            "request_information, approve, reject, complete, reopen), the citizen their own "
            "(answer while information is requested, withdraw)"
        ),
    )
    assignee = fields.String(allow_none=True, metadata=_doc("office only"))
    notes = fields.List(fields.Nested(NoteView), metadata=_doc("internal; office only"))


class CaseSummary(_Answer):
    optional = frozenset({"assignee"})  # the worklist's, not a citizen's list's

    case_id = fields.String()
    case_number = fields.String()
    application_type = fields.String()
    type_name = fields.String()
    status = fields.String(metadata=_STATUS)
    status_text = fields.String()
    assignee = fields.String(
        allow_none=True, metadata=_doc("in the worklist; not in a citizen's list")
    )
    submitted_at = fields.String()
    due_at = fields.String()
    overdue = fields.Boolean(metadata=_doc("open and past its due date"))


class WorklistPage(_Answer):
    cases = fields.List(fields.Nested(CaseSummary), metadata=_doc("in the order asked"))
    next_cursor = fields.String(
        allow_none=True, metadata=_doc("pass as `cursor` for the next page; null on the last")
    )


class DecisionLetterPreview(_Answer):
    """The decision letter deciding would issue, before anything is decided or stored: the
    documents service's preview, passed on as it came."""

    title = fields.String()
    media_type = fields.String()
    content = fields.String(metadata=_doc("the PDF, base64"))
