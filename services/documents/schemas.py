"""What the documents service accepts over RPC and its data plane, and what it answers.

The answers' schemas are the contract: every RPC and data plane route dumps its answer
through its own (`@rpc(answers=...)`, `@data_route(..., answers=...)`), and the gateway
and the OpenAPI document refer to them.
"""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate

from services.common.answers import doc
from services.common.loading import Strict
from services.documents.kinds import CONFIDENTIALITY, LANGUAGES, LETTER_KINDS

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# 64-bit sizes from the start; the document type's own limit is checked besides
MAX_SIZE = 2**63 - 1
LANGUAGE = validate.Regexp(r"[a-z]{2}(-[A-Z]{2})?", error="An ISO 639-1 code such as de or en.")


class Sha256(fields.String):
    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).lower()
        if not SHA256_HEX.fullmatch(text):
            raise ValidationError("A SHA-256 in hex: 64 characters 0-9 a-f.")
        return text


def _optional_id(**kwargs) -> fields.String:
    return fields.String(load_default=None, validate=validate.Length(1, 100), **kwargs)


def _department() -> fields.String:
    return fields.String(
        load_default=None,
        validate=validate.Length(1, 50),
        metadata={
            "description": "with case_id: the department whose clerks work the case; a "
            "clerk's own (theirs by default when they have one), an admin's as named"
        },
    )


class UploadInput(Strict):
    document_type = fields.String(required=True, validate=validate.Length(1, 50))
    title = fields.String(required=True, validate=validate.Length(1, 300))
    media_type = fields.String(
        required=True, metadata={"description": "what the content is; checked against it"}
    )
    size = fields.Integer(strict=True, required=True, validate=validate.Range(1, MAX_SIZE))
    sha256 = Sha256(required=True, metadata={"description": "of the whole content, hex"})
    filename = fields.String(load_default=None, validate=validate.Length(1, 255))
    language = fields.String(load_default="de", validate=LANGUAGE)
    confidentiality = fields.String(load_default=None, validate=validate.OneOf(CONFIDENTIALITY))
    part_size = fields.Integer(
        strict=True,
        load_default=None,
        validate=validate.Range(1024 * 1024, 5 * 1024**3),
        metadata={"description": "bytes per part but the last; default DOCUMENTS.part_size"},
    )
    document_id = fields.String(
        load_default=None,
        validate=validate.Regexp(r"[0-9a-f-]{36}", error="A document id."),
        metadata={"description": "add a version to this document"},
    )
    case_id = _optional_id(metadata={"description": "office only"})
    case_role = fields.String(load_default=None, validate=validate.Length(1, 50))
    case_department = _department()
    appointment_id = _optional_id()
    feedback_id = _optional_id()
    owner = _optional_id(metadata={"description": "office only: the citizen it belongs to"})


class DocumentChanges(Strict):
    title = fields.String(validate=validate.Length(1, 300))
    status = fields.String(validate=validate.OneOf(("draft", "final", "archived")))
    confidentiality = fields.String(validate=validate.OneOf(CONFIDENTIALITY))
    language = fields.String(validate=LANGUAGE)
    reason = fields.String(validate=validate.Length(1, 500), metadata={"description": "why"})


class CaseFiling(Strict):
    case_id = fields.String(required=True, validate=validate.Length(1, 100))
    case_role = fields.String(load_default="clerk", validate=validate.Length(1, 50))
    case_department = _department()
    owner = _optional_id(metadata={"description": "only this citizen's documents are filed"})
    reason = fields.String(load_default=None, validate=validate.Length(1, 500))


class LetterRequest(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(LETTER_KINDS))
    language = fields.String(load_default="de", validate=validate.OneOf(LANGUAGES))
    values = fields.Dict(keys=fields.String(), required=True)
    owner = _optional_id(metadata={"description": "the citizen who may read it"})
    case_id = _optional_id()
    case_role = fields.String(load_default="clerk", validate=validate.Length(1, 50))
    case_department = _department()


class LegalHold(Strict):
    hold = fields.Boolean(required=True)
    reason = fields.String(required=True, validate=validate.Length(1, 500))


class AuditFilters(Strict):
    document_id = fields.String(load_default=None)
    actor = fields.String(load_default=None)
    action = fields.String(load_default=None)
    since = fields.AwareDateTime(load_default=None)
    until = fields.AwareDateTime(load_default=None)
    before = fields.Integer(load_default=None, metadata={"description": "page on below this id"})
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class ListFilters(Strict):
    case_id = fields.String(load_default=None)
    owner = fields.String(load_default=None)
    status = fields.String(load_default=None)
    document_type = fields.String(load_default=None)
    appointment_id = fields.String(load_default=None)
    feedback_id = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 100_000))


# answers ------------------------------------------------------------------------------
# every field is in every answer (null where allow_none says so)


class ReceivedPart(Schema):
    number = fields.Integer(required=True)
    size = fields.Integer(required=True, metadata=doc("bytes"))
    sha256 = fields.String(required=True)


class UploadSession(Schema):
    upload_id = fields.String(
        required=True, metadata=doc("send the parts to .../uploads/{upload_id}/parts/{n}")
    )
    status = fields.String(required=True, metadata=doc("open, completed, refused or aborted"))
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    part_size = fields.Integer(
        required=True, metadata=doc("every part but the last has this many bytes")
    )
    parts = fields.Integer(required=True, metadata=doc("how many parts the content is sent in"))
    received = fields.List(fields.Nested(ReceivedPart), required=True)
    missing = fields.List(
        fields.Integer(), required=True, metadata=doc("part numbers still to send")
    )
    expires_at = fields.String(required=True, metadata=doc("complete the upload before this"))
    document_id = fields.String(required=True, allow_none=True, metadata=doc("once completed"))


class VersionView(Schema):
    number = fields.Integer(required=True)
    current = fields.Boolean(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    media_type = fields.String(required=True, metadata=doc("as found in the content"))
    filename = fields.String(required=True, allow_none=True)
    author = fields.String(required=True, allow_none=True)
    scanner = fields.String(required=True, metadata=doc("none or clamd"))
    created_at = fields.String(required=True)


class DocumentSummary(Schema):
    document_id = fields.String(required=True)
    document_type = fields.String(required=True)
    title = fields.String(required=True, allow_none=True, metadata=doc("null once erased"))
    language = fields.String(required=True)
    confidentiality = fields.String(required=True)
    status = fields.String(required=True, metadata=doc("draft, final, archived or erased"))
    owner = fields.String(required=True, allow_none=True)
    author = fields.String(required=True, allow_none=True)
    case_id = fields.String(required=True, allow_none=True)
    appointment_id = fields.String(required=True, allow_none=True)
    feedback_id = fields.String(required=True, allow_none=True)
    current_version = fields.Integer(required=True)
    legal_hold = fields.Boolean(required=True)
    retain_until = fields.String(
        required=True, metadata=doc("erased after this unless under legal hold")
    )
    created_at = fields.String(required=True)
    modified_at = fields.String(required=True)
    erased_at = fields.String(required=True, allow_none=True)


class DocumentView(DocumentSummary):
    versions = fields.List(fields.Nested(VersionView), required=True)


class DocumentList(Schema):
    documents = fields.List(fields.Nested(DocumentSummary), required=True)
    count = fields.Integer(required=True)


class DownloadLink(Schema):
    url = fields.String(
        required=True, metadata=doc("GET it within its lifetime; it needs no token")
    )
    version = fields.Integer(required=True)
    expires_at = fields.String(required=True)


class DocumentTypeView(Schema):
    key = fields.String(required=True)
    title = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    media_types = fields.List(
        fields.String(), required=True, metadata=doc("allowed, checked in the content")
    )
    max_bytes = fields.Integer(required=True)
    retention_days = fields.Float(required=True)
    confidentiality = fields.String(required=True, metadata=doc("the default level"))
    generated = fields.Boolean(required=True, metadata=doc("made by the office, never uploaded"))


class AuditEntry(Schema):
    id = fields.Integer(required=True)
    at = fields.String(required=True)
    actor = fields.String(required=True, allow_none=True)
    actor_role = fields.String(required=True, allow_none=True)
    action = fields.String(
        required=True,
        metadata=doc("create, add_version, view, link, read, update, file, legal_hold, erase ..."),
    )
    document_id = fields.String(required=True, allow_none=True)
    version = fields.Integer(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    details = fields.Dict(required=True)


class AuditPage(Schema):
    entries = fields.List(fields.Nested(AuditEntry), required=True)
    next_before = fields.Integer(required=True, allow_none=True)


class LetterPreview(Schema):
    """A decision letter before it is issued; nothing of it is stored."""

    title = fields.String(required=True)
    media_type = fields.String(required=True)
    content = fields.String(required=True, metadata=doc("the PDF, base64"))
