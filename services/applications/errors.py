"""The applications service's errors: each a code a portal can act on."""

from __future__ import annotations

from services.common.errors import ServiceError, service_error

# a move the case's status does not allow is refused as every state machine refuses one;
# named here too, beside this service's other refusals
from services.common.transitions import IllegalTransition  # noqa: F401


@service_error("unknown_application_type", 404)
class UnknownApplicationType(ServiceError):
    """No application type with that key."""


@service_error("invalid_form", 400)
class InvalidForm(ServiceError):
    """The form has fields that fail; details name every one with its messages."""


@service_error("attachments_missing", 400)
class AttachmentsMissing(ServiceError):
    """Required attachments are missing; details name their purposes."""


@service_error("attachment_not_allowed", 400)
class AttachmentNotAllowed(ServiceError):
    """An attachment's purpose is unknown to the type, or its document type is not allowed."""


@service_error("document_not_yours", 403)
class DocumentNotYours(ServiceError):
    """A document named is not the citizen's own (or does not exist)."""


@service_error("case_not_found", 404)
class CaseNotFound(ServiceError):
    """No such case, or none the caller may see."""


@service_error("draft_not_found", 404)
class DraftNotFound(ServiceError):
    """No such draft of the caller's."""


@service_error("case_closed", 409)
class CaseClosed(ServiceError):
    """The case is closed (completed or withdrawn); it takes no changes."""


@service_error("no_open_request", 409)
class NoOpenRequest(ServiceError):
    """The office asked nothing that waits for an answer."""
