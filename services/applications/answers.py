"""What the applications service answers: the schemas its RPCs dump every answer through
(`@rpc(answers=...)`, services.common.answers).

They are the contract: the gateway's routes and the OpenAPI document refer to them, and the
portal reads the keys they name. A field the service adds to an answer goes here too, or
the call fails wherever RPC_STRICT_ANSWERS is on; a field every answer has is required, so
one named here and missing from an answer fails too. Times are ISO 8601 strings with their
offset. What the service takes is in schemas.py.
"""

from __future__ import annotations

from marshmallow import fields

from services.applications.schemas import AttachmentRef
from services.common.answers import Answer, doc

_STATUS = doc("the status's key: submitted, in_review, information_requested, approved, ...")

# the catalogue


class AttachmentSpecView(Answer):
    purpose = fields.String(metadata=doc("name it in an attachment's `purpose`"))
    required = fields.Boolean(metadata=doc("a submission without it is refused"))
    document_types = fields.List(fields.String(), metadata=doc("the document types it may be"))
    name = fields.String(metadata=doc("what the office calls it"))


class StatusView(Answer):
    status = fields.String()
    text = fields.String(metadata=doc("what the citizen reads"))
    final = fields.Boolean(metadata=doc("the case is closed in it"))


class ApplicationTypeView(Answer):
    key = fields.String(metadata=doc("name it in `application_type`"))
    name = fields.String()
    fee_cents = fields.Integer(metadata=doc("the fee in euro cents; 0 for none"))
    processing_days = fields.Integer(metadata=doc("working days until the case is due"))
    department = fields.String(
        metadata=doc("the department whose clerks work its cases (a clerk sees only theirs)")
    )
    department_name = fields.String(metadata=doc("the department's name"))
    form = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata=doc("the form's fields -> their kind (string, date, nested, list ...)"),
    )
    required_fields = fields.List(fields.String())
    form_schema = fields.Dict(
        keys=fields.String(),
        metadata=doc(
            "the form as JSON Schema (draft 2020-12), titles and descriptions in the language "
            "asked and the other under `x-translations`; its `$id` is where it is served "
            "(GET .../types/{key}/schema.json) and what a case's metadata names"
        ),
    )
    attachments = fields.List(fields.Nested(AttachmentSpecView))
    statuses = fields.List(fields.Nested(StatusView), metadata=doc("in their order"))


# drafts


class DraftView(Answer):
    draft_id = fields.String()
    application_type = fields.String()
    form = fields.Dict(keys=fields.String(), metadata=doc("as saved: not checked until submitted"))
    attachments = fields.List(fields.Nested(AttachmentRef))
    contact = fields.Dict(keys=fields.String())
    updated_at = fields.String()


# cases


class CaseAttachment(Answer):
    document_id = fields.String()
    purpose = fields.String()
    sha256 = fields.String(metadata=doc("of the version attached, as submitted"))
    media_type = fields.String(metadata=doc("of the version attached, as submitted"))


class HistoryEntry(Answer):
    # the office sees who did a step; the citizen how they were told of it
    optional = frozenset({"actor", "notified_by", "notice_failed"})

    at = fields.String()
    action = fields.String(
        metadata=doc("submit, assign, start_review, request_information, answer, approve ...")
    )
    from_status = fields.String(allow_none=True, metadata=doc("null for the submission"))
    to_status = fields.String(allow_none=True)
    text = fields.String(allow_none=True, metadata=doc("a question, an answer or a reason"))
    documents = fields.List(fields.String(), metadata=doc("documents attached by this step"))
    actor = fields.String(allow_none=True, metadata=doc("who did it; shown to the office only"))
    notified_by = fields.List(
        fields.String(),
        metadata=doc(
            "the citizen's view: the channels (email, sms, inbox) that told them of this step; "
            "the office sees each message as an entry of its own instead"
        ),
    )
    notice_failed = fields.Boolean(
        metadata=doc("the citizen's view: a message about this step could not be delivered")
    )


class NoteView(Answer):
    note_id = fields.Integer()
    at = fields.String()
    author = fields.String()
    text = fields.String()


class CaseView(Answer):
    optional = frozenset({"assignee", "notes"})  # what the office sees besides

    case_id = fields.String()
    case_number = fields.String(metadata=doc("the reference to quote: 2026-BPA-000123"))
    application_type = fields.String()
    type_name = fields.String(metadata=doc("in the case's language"))
    status = fields.String(metadata=_STATUS)
    status_text = fields.String(metadata=doc("what the citizen reads, in the case's language"))
    closed = fields.Boolean(metadata=doc("completed or withdrawn: it takes no changes"))
    open_request = fields.String(
        allow_none=True, metadata=doc("what the office asked and waits for; null if nothing")
    )
    submitted_at = fields.String()
    due_at = fields.String(metadata=doc("the target date, in working days"))
    form = fields.Dict(keys=fields.String(), metadata=doc("as checked and stored"))
    contact = fields.Dict(keys=fields.String())
    submission = fields.Dict(
        keys=fields.String(),
        metadata=doc("FIT-Connect-shaped metadata: the service, the schema, SHA-256 of each part"),
    )
    attachments = fields.List(fields.Nested(CaseAttachment))
    history = fields.List(
        fields.Nested(HistoryEntry),
        metadata=doc(
            "oldest first; the office sees every entry, the citizen one per step of the case "
            "(the messages that told them folded into it, assignments left out)"
        ),
    )
    allowed_actions = fields.List(
        fields.String(),
        metadata=doc(
            "what the caller may do with the case now: the office its moves (start_review, "
            "request_information, approve, reject, complete, reopen), the citizen their own "
            "(answer while information is requested, withdraw)"
        ),
    )
    assignee = fields.String(allow_none=True, metadata=doc("office only"))
    notes = fields.List(fields.Nested(NoteView), metadata=doc("internal; office only"))


class CaseSummary(Answer):
    optional = frozenset({"assignee"})  # the worklist's, not a citizen's list's

    case_id = fields.String()
    case_number = fields.String()
    application_type = fields.String()
    type_name = fields.String()
    status = fields.String(metadata=_STATUS)
    status_text = fields.String()
    assignee = fields.String(
        allow_none=True, metadata=doc("in the worklist; not in a citizen's list")
    )
    submitted_at = fields.String()
    due_at = fields.String()
    overdue = fields.Boolean(metadata=doc("open and past its due date"))


class WorklistPage(Answer):
    cases = fields.List(fields.Nested(CaseSummary), metadata=doc("in the order asked"))
    next_cursor = fields.String(
        allow_none=True, metadata=doc("pass as `cursor` for the next page; null on the last")
    )


class DecisionLetterPreview(Answer):
    """The decision letter deciding would issue, before anything is decided or stored: the
    documents service's preview, passed on as it came."""

    title = fields.String()
    media_type = fields.String()
    content = fields.String(metadata=doc("the PDF, base64"))
