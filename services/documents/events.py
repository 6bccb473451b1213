"""The events the documents service publishes, and what their payloads hold.

Thin on purpose: ids, types, sizes and hashes. A document's title or content never travels
in an event; whoever needs them asks over RPC with the caller's rights.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.events import define_event

SOURCE = "documents"
# what may leave the platform: never the owner's account
VERSION_PUBLIC = (
    "document_id",
    "version",
    "document_type",
    "media_type",
    "size",
    "sha256",
    "case_id",
    "appointment_id",
    "feedback_id",
)


class Links(Schema):
    owner = fields.String(
        required=True, allow_none=True, metadata={"description": "the citizen's account"}
    )
    case_id = fields.String(required=True, allow_none=True)
    appointment_id = fields.String(required=True, allow_none=True)
    feedback_id = fields.String(required=True, allow_none=True)


class VersionFacts(Links):
    document_id = fields.UUID(required=True)
    version = fields.Integer(required=True, metadata={"description": "1 for a new document"})
    document_type = fields.String(required=True)
    media_type = fields.String(required=True, metadata={"description": "sniffed from the content"})
    size = fields.Integer(required=True, metadata={"description": "bytes of the plaintext"})
    sha256 = fields.String(required=True, metadata={"description": "hex, of the plaintext"})


class DocumentRejected(Schema):
    upload_id = fields.String(required=True)
    owner = fields.String(required=True, allow_none=True)
    document_type = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(("type", "size", "scan")))
    detail = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "the media type found, the size, or the scanner's finding"},
    )


class DocumentErased(Schema):
    document_id = fields.UUID(required=True)
    document_type = fields.String(required=True)
    case_id = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True, metadata={"description": "retention"})


class DocumentGenerated(VersionFacts):
    kind = fields.String(required=True, validate=validate.OneOf(("receipt", "decision")))
    language = fields.String(required=True)


DOCUMENT_STORED = define_event(
    SOURCE,
    "document_stored",
    VersionFacts,
    description="An upload was accepted (type, size and scan passed) and stored as a new document.",
    public=VERSION_PUBLIC,
)
DOCUMENT_VERSION_ADDED = define_event(
    SOURCE,
    "document_version_added",
    VersionFacts,
    description="A new version of an existing document was stored; it is now the current one.",
    public=VERSION_PUBLIC,
)
DOCUMENT_REJECTED = define_event(
    SOURCE,
    "document_rejected",
    DocumentRejected,
    description="An upload was refused for its type or size, or quarantined by the scanner.",
    public=("upload_id", "document_type", "reason"),
)
DOCUMENT_ERASED = define_event(
    SOURCE,
    "document_erased",
    DocumentErased,
    description=(
        "A document's retention ended: its key and content are destroyed, a tombstone stays."
    ),
    public=("document_id", "document_type", "case_id", "reason"),
)
DOCUMENT_GENERATED = define_event(
    SOURCE,
    "document_generated",
    DocumentGenerated,
    description="The office generated a letter (receipt, decision) and stored it as a document.",
    public=(*VERSION_PUBLIC, "kind", "language"),
)
