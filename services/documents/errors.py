"""The documents service's errors: each a code a portal can act on, and its HTTP status."""

from __future__ import annotations

from services.common.errors import ServiceError, service_error


@service_error("unknown_document_type", 400)
class UnknownDocumentType(ServiceError):
    """No document type with that key."""


@service_error("document_not_found", 404)
class DocumentNotFound(ServiceError):
    """No such document, or none the caller may know of."""


@service_error("document_erased", 410)
class DocumentErased(ServiceError):
    """The document's retention period ended and it was erased; only a tombstone is left."""


@service_error("upload_not_found", 404)
class UploadNotFound(ServiceError):
    """No such upload session of the caller's."""


@service_error("upload_closed", 409)
class UploadClosed(ServiceError):
    """The upload session was completed, aborted or refused; start a new one."""


@service_error("upload_incomplete", 409)
class UploadIncomplete(ServiceError):
    """Parts are missing; details name them."""


@service_error("upload_interrupted", 400)
class UploadInterrupted(ServiceError):
    """The body ended before its announced length; nothing of it was kept."""


@service_error("part_out_of_range", 400)
class PartOutOfRange(ServiceError):
    """A part number the upload does not have."""


@service_error("part_size_mismatch", 400)
class PartSizeMismatch(ServiceError):
    """Every part but the last has the session's part size; the last holds the rest."""


@service_error("part_hash_mismatch", 400)
class PartHashMismatch(ServiceError):
    """The part's bytes do not have the SHA-256 sent with them; details name the part."""


@service_error("content_hash_mismatch", 400)
class ContentHashMismatch(ServiceError):
    """The whole content does not have the SHA-256 announced when the upload started."""


@service_error("document_too_large", 413)
class DocumentTooLarge(ServiceError):
    """Larger than the document type allows."""


@service_error("media_type_not_allowed", 415)
class MediaTypeNotAllowed(ServiceError):
    """The content is of a kind the document type does not take (or of no kind allowed at all)."""


@service_error("media_type_mismatch", 415)
class MediaTypeMismatch(ServiceError):
    """The content is not of the media type that was declared for it."""


@service_error("document_infected", 422)
class DocumentInfected(ServiceError):
    """The scanner found malware; the upload is quarantined and never served."""


@service_error("scanner_unavailable", 503)
class ScannerUnavailable(ServiceError):
    """The virus scanner did not answer; the document was not accepted. Try again later."""


@service_error("invalid_link", 404)
class InvalidLink(ServiceError):
    """A download link that is wrong; deliberately says nothing more."""


@service_error("link_expired", 410)
class LinkExpired(ServiceError):
    """A download link past its short lifetime."""


@service_error("document_archived", 409)
class DocumentArchived(ServiceError):
    """An archived document takes no new versions or changes."""


@service_error("unknown_version", 404)
class UnknownVersion(ServiceError):
    """The document has no version with that number."""
