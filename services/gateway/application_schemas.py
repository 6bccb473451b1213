"""The application routes' answers, as the gateway gives them.

Request bodies and the worklist's query are the applications service's own input schemas
(it owns every rule); the answers are described here. Times are ISO 8601 strings with
their offset. Each type's form is a component of its own (`ApplicationForm.<key>`), written
from the JSON Schema the applications service generates from the form.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from services.applications import catalogue
from services.applications.schemas import AttachmentRef
from services.gateway.schemas import doc

LANGUAGES = ("de", "en")
_STATUS = doc("the status's key: submitted, in_review, information_requested, approved, ...")


class TypesQuery(Schema):
    language = fields.String(
        load_default="de",
        validate=validate.OneOf(LANGUAGES),
        metadata=doc("the language of names and texts; de unless asked"),
    )


class AttachmentSpecView(Schema):
    purpose = fields.String(metadata=doc("name it in an attachment's `purpose`"))
    required = fields.Boolean(metadata=doc("a submission without it is refused"))
    document_types = fields.List(fields.String(), metadata=doc("the document types it may be"))
    name = fields.String(metadata=doc("what the office calls it"))


class StatusView(Schema):
    status = fields.String()
    text = fields.String(metadata=doc("what the citizen reads"))
    final = fields.Boolean(metadata=doc("the case is closed in it"))


class ApplicationTypeView(Schema):
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


class ApplicationTypeList(Schema):
    application_types = fields.List(fields.Nested(ApplicationTypeView))


class DraftView(Schema):
    draft_id = fields.String()
    application_type = fields.String()
    form = fields.Dict(keys=fields.String(), metadata=doc("as saved: not checked until submitted"))
    attachments = fields.List(fields.Nested(AttachmentRef))
    contact = fields.Dict(keys=fields.String())
    updated_at = fields.String()


class DraftList(Schema):
    drafts = fields.List(fields.Nested(DraftView), metadata=doc("the oldest change first"))


class CaseAttachment(Schema):
    document_id = fields.String()
    purpose = fields.String()
    sha256 = fields.String(metadata=doc("of the version attached, as submitted"))


class HistoryEntry(Schema):
    at = fields.String()
    action = fields.String(
        metadata=doc("submit, assign, start_review, request_information, answer, approve ...")
    )
    from_status = fields.String(allow_none=True, metadata=doc("null for the submission"))
    to_status = fields.String()
    text = fields.String(allow_none=True, metadata=doc("a question, an answer or a reason"))
    documents = fields.List(fields.String(), metadata=doc("documents attached by this step"))
    actor = fields.String(metadata=doc("who did it; shown to the office only"))
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


class NoteView(Schema):
    note_id = fields.Integer()
    at = fields.String()
    author = fields.String()
    text = fields.String()


class CaseView(Schema):
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


class CaseSummary(Schema):
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


class CaseList(Schema):
    cases = fields.List(fields.Nested(CaseSummary), metadata=doc("newest first"))


class WorklistPage(Schema):
    cases = fields.List(fields.Nested(CaseSummary), metadata=doc("in the order asked"))
    next_cursor = fields.String(
        allow_none=True, metadata=doc("pass as `cursor` for the next page; null on the last")
    )


FORM_COMPONENT = "ApplicationForm.{key}"
# JSON Schema keywords that OpenAPI 3.0's schema objects lack: a component is not a document
_DOCUMENT_KEYWORDS = ("$schema", "$id")


def form_components() -> dict[str, dict[str, Any]]:
    """Each application type's form, as OpenAPI 3.0 writes its JSON Schema (German texts)."""
    return {
        FORM_COMPONENT.format(key=key): openapi_schema(kind.form_schema("de"))
        for key, kind in catalogue.load().items()
    }


def openapi_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) as an OpenAPI 3.0 schema object: null as `nullable`,
    numeric exclusive bounds as boolean ones, no `$schema` or `$id`."""
    converted: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword in _DOCUMENT_KEYWORDS:
            continue
        if keyword == "type" and isinstance(value, list):
            kinds = [kind for kind in value if kind != "null"]
            converted["type"] = kinds[0]
            converted["nullable"] = "null" in value
        elif keyword in ("exclusiveMinimum", "exclusiveMaximum"):
            converted[keyword.replace("exclusiveM", "m")] = value
            converted[keyword] = True
        elif keyword == "properties":
            converted[keyword] = {name: openapi_schema(item) for name, item in value.items()}
        elif keyword in ("items", "additionalProperties") and isinstance(value, dict):
            converted[keyword] = openapi_schema(value)
        else:
            converted[keyword] = value
    return converted
