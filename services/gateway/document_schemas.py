"""The document routes' bodies and answers, as the gateway takes and gives them.

Request bodies are the documents service's own input schemas (it owns sizes, types and
every rule); the answers are described here.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from services.gateway.appointment_schemas import IsoDateTime
from services.gateway.schemas import doc


class ReceivedPart(Schema):
    number = fields.Integer()
    size = fields.Integer(metadata=doc("bytes"))
    sha256 = fields.String()


class UploadSession(Schema):
    upload_id = fields.String(metadata=doc("send the parts to .../uploads/{upload_id}/parts/{n}"))
    status = fields.String(metadata=doc("open, completed, refused or aborted"))
    size = fields.Integer()
    sha256 = fields.String()
    part_size = fields.Integer(metadata=doc("every part but the last has this many bytes"))
    parts = fields.Integer(metadata=doc("how many parts the content is sent in"))
    received = fields.List(fields.Nested(ReceivedPart))
    missing = fields.List(fields.Integer(), metadata=doc("part numbers still to send"))
    expires_at = fields.String(metadata=doc("complete the upload before this"))
    document_id = fields.String(allow_none=True, metadata=doc("once completed"))


class VersionView(Schema):
    number = fields.Integer()
    current = fields.Boolean()
    size = fields.Integer()
    sha256 = fields.String()
    media_type = fields.String(metadata=doc("as found in the content"))
    filename = fields.String(allow_none=True)
    author = fields.String(allow_none=True)
    scanner = fields.String(metadata=doc("none or clamd"))
    created_at = fields.String()


class DocumentSummary(Schema):
    document_id = fields.String()
    document_type = fields.String()
    title = fields.String(allow_none=True, metadata=doc("null once erased"))
    language = fields.String()
    confidentiality = fields.String()
    status = fields.String(metadata=doc("draft, final, archived or erased"))
    owner = fields.String(allow_none=True)
    author = fields.String(allow_none=True)
    case_id = fields.String(allow_none=True)
    appointment_id = fields.String(allow_none=True)
    feedback_id = fields.String(allow_none=True)
    current_version = fields.Integer()
    legal_hold = fields.Boolean()
    retain_until = fields.String(metadata=doc("erased after this unless under legal hold"))
    created_at = fields.String()
    modified_at = fields.String()
    erased_at = fields.String(allow_none=True)


class DocumentView(DocumentSummary):
    versions = fields.List(fields.Nested(VersionView))


class DocumentList(Schema):
    documents = fields.List(fields.Nested(DocumentSummary))
    count = fields.Integer()


class LinkRequest(Schema):
    version = fields.Integer(
        strict=True, load_default=None, metadata=doc("default: the current one")
    )


class DownloadLink(Schema):
    url = fields.String(metadata=doc("GET it within its lifetime; it needs no token"))
    version = fields.Integer()
    expires_at = fields.String()


class DocumentTypeView(Schema):
    key = fields.String()
    title = fields.Dict(keys=fields.String(), values=fields.String())
    media_types = fields.List(fields.String(), metadata=doc("allowed, checked in the content"))
    max_bytes = fields.Integer()
    retention_days = fields.Float()
    confidentiality = fields.String(metadata=doc("the default level"))
    generated = fields.Boolean(metadata=doc("made by the office, never uploaded"))


class DocumentTypeList(Schema):
    document_types = fields.List(fields.Nested(DocumentTypeView))


class AuditQuery(Schema):
    document_id = fields.String()
    actor = fields.String()
    action = fields.String()
    since = IsoDateTime()
    until = IsoDateTime()
    before = fields.Integer(metadata=doc("page on: the next_before of the previous page"))
    limit = fields.Integer()


class AuditEntry(Schema):
    id = fields.Integer()
    at = fields.String()
    actor = fields.String(allow_none=True)
    actor_role = fields.String(allow_none=True)
    action = fields.String(
        metadata=doc("create, add_version, view, link, read, update, file, legal_hold, erase ...")
    )
    document_id = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    details = fields.Dict()


class AuditPage(Schema):
    entries = fields.List(fields.Nested(AuditEntry))
    next_before = fields.Integer(allow_none=True)


class CaseFilingRequest(Schema):
    document_ids = fields.List(fields.String(), required=True)
    case_id = fields.String(required=True)
    case_role = fields.String()
    case_department = fields.String(
        metadata={
            "description": "the department whose clerks work the case: a clerk's own (theirs "
            "by default when they have one), an admin's as named"
        }
    )
    owner = fields.String()
    reason = fields.String()


class FiledList(Schema):
    documents = fields.List(fields.Nested(DocumentView))
