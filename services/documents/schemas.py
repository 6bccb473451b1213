"""What the documents service accepts over RPC and its data plane."""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate

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
