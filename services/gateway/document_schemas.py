"""The document routes' bodies and answers, as the gateway takes and gives them.

The documents service owns its input schemas (sizes, types and every rule) and the schemas
of its answers (services/documents/schemas.py): the routes and the OpenAPI document use
those. Described here is only what the gateway itself adds: a query string's form, and
the lists it wraps an RPC's answer in.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from services.documents.schemas import DocumentTypeView, DocumentView
from services.gateway.appointment_schemas import IsoDateTime
from services.gateway.schemas import doc


class LinkRequest(Schema):
    version = fields.Integer(
        strict=True, load_default=None, metadata=doc("default: the current one")
    )


class DocumentTypeList(Schema):
    document_types = fields.List(fields.Nested(DocumentTypeView), required=True)


class AuditQuery(Schema):
    document_id = fields.String()
    actor = fields.String()
    action = fields.String()
    since = IsoDateTime()
    until = IsoDateTime()
    before = fields.Integer(metadata=doc("page on: the next_before of the previous page"))
    limit = fields.Integer()


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
    documents = fields.List(fields.Nested(DocumentView), required=True)
