"""An attachment sent in parts by the portal's script (static/upload.js), with the session's
cookie.

The script announces the file (its size and SHA-256) here, sends each part with its own
SHA-256, and completes the upload; it then puts the new document's id into the page's form,
which the form's own handler checks and attaches. These routes answer JSON in the JSON API's
error shape, with the documents service's codes, and take the session's CSRF token in an
`X-CSRF-Token` header or a `csrf_token` field on every change. A part streams straight on to
the documents service's data plane (services/portal/uploading.py) as it arrives: it holds no
worker and never more than a piece of it in memory, so a citizen on a slow connection keeps
no worker from other pages.
"""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from services.applications import errors as failures
from services.common.errors import InvalidInput, LengthRequired, ServiceError
from services.common.identity import CITIZEN, IDENTITY_KEY
from services.common.logging import get_logger
from services.common.rpc import RemoteService
from services.common.web import exact_body, json_response
from services.documents.errors import UploadInterrupted
from services.portal.applications import announcement, attachment_spec
from services.portal.pages import Page, SessionEnded, Visit
from services.portal.rendering import secure
from services.portal.session import COOKIE
from services.portal.uploading import DataPlane, DocumentDataPlane

log = get_logger(__name__)

UPLOADS = "/uploads"
UPLOAD = f"{UPLOADS}/<upload_id>"


class JsonPage(Page):
    """A page for the portal's own script: signed in by the session's cookie, answering
    JSON (a dict, or `(status, dict)`), errors too."""

    def setup(self) -> None:
        earlier = getattr(self.server, "page_errors", None)
        super().setup()
        if earlier is not None:  # a path no page serves is answered with an HTML page
            self.server.page_errors = earlier

    def handle_request(self, request: Request) -> Response:
        session, ended = self.codec.load(request.cookies.get(COOKIE))
        if not session.signed_in and not ended:  # a script is not sent to the sign-in page
            return _error(401, "unauthenticated", "Sign in to upload.")
        return super().handle_request(request)

    def _answer(self, visit: Visit, result: Any) -> Response:
        if isinstance(result, dict | tuple):
            status, payload = result if isinstance(result, tuple) else (200, result)
            result = json_response(payload, status)
            secure(result)
        return super()._answer(visit, result)

    def error_page(self, error: BaseException, visit: Visit) -> Response:  # type: ignore[override]
        if isinstance(error, SessionEnded):
            visit.session = visit.session.signed_out()
        if isinstance(error, ServiceError):
            log.info("upload_refused", code=error.code, path=visit.request.path)
            status = error.http_status if 400 <= error.http_status < 600 else 400
            return _error(status, error.code, error.message, error.details)
        if isinstance(error, NotFound | MethodNotAllowed):
            return _error(404, "not_found", "There is no such address.")
        log.error("upload_failed", error=repr(error), exc_info=error)
        return _error(500, "internal_error", "Something went wrong on our side.")


class PartUpload(JsonPage):
    """A part, relayed to the data plane in this request's own green thread."""

    def _run(self, visit: Visit) -> dict[str, Any]:
        request = visit.request
        if request.content_length is None:
            raise LengthRequired("Send the part with its Content-Length.")
        caller = self.server.signer.context_for(visit.session.caller)
        plane = DataPlane.configured(caller.get(IDENTITY_KEY), visit.correlation_id)
        values = request.path_values
        return plane.send_part(
            values["upload_id"],
            values["number"],
            exact_body(request.stream, request.content_length, _cut_short),
            request.content_length,
            request.headers.get("X-Content-SHA256", ""),
        )


json_page = JsonPage.decorator
part_upload = PartUpload.decorator


class UploadPages:
    """Mixed into GatewayService, beside the pages."""

    applications = RemoteService("applications")
    documents = RemoteService("documents")
    data_plane = DocumentDataPlane()

    @json_page("POST", UPLOADS, roles=CITIZEN)
    def start_attachment_upload(self, visit: Visit) -> tuple[int, dict[str, Any]]:
        """Announce an application's attachment: the same file announced again with the same
        key (the form's) is the same upload, with the parts still missing."""
        language = visit.session.language
        kinds = self.applications.application_types(language)
        kind = next((k for k in kinds if k["key"] == visit.value("application_type")), None)
        if kind is None:
            raise failures.UnknownApplicationType("There is no such application type.")
        spec = attachment_spec(kind, visit.value("purpose"))
        if spec is None:
            raise InvalidInput("Choose what the file is for.", {"purpose": ["Required."]})
        announced = announcement(spec, visit.value("filename"), visit.value("media_type"), language)
        announced |= {"size": _number(visit.value("size")), "sha256": visit.value("sha256")}
        session = self.documents.start_upload(
            announced, idempotency_key=visit.value("idempotency_key") or None
        )
        return 201, _session(session)

    @json_page("GET", UPLOAD, roles=CITIZEN)
    def attachment_upload_status(self, visit: Visit, upload_id: str) -> dict[str, Any]:
        """Which parts arrived: a script resuming after a reload sends only the others."""
        return _session(self.documents.upload_status(upload_id))

    @part_upload("PUT", f"{UPLOAD}/parts/<int:number>", roles=CITIZEN)
    def attachment_upload_part(self, visit: Visit, upload_id: str, number: int) -> None:
        """Never called: a part streams on to the data plane without a worker."""

    @json_page("POST", f"{UPLOAD}/complete", roles=CITIZEN)
    def complete_attachment_upload(self, visit: Visit, upload_id: str) -> dict[str, Any]:
        document = self.data_plane.complete(upload_id)
        return {"document_id": document["document_id"]}


def _session(session: dict[str, Any]) -> dict[str, Any]:
    """What the script needs of an upload session."""
    return {
        "upload_id": session["upload_id"],
        "part_size": session["part_size"],
        "missing": session["missing"],
        "document_id": session.get("document_id"),
    }


def _number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput("The file's size in bytes.", {"size": ["Not a number."]}) from None


def _cut_short(received: int) -> UploadInterrupted:
    return UploadInterrupted(
        "The part ended early; nothing of it was kept.", {"received": received}
    )


def _error(status: int, code: str, message: str, details: Any = None) -> Response:
    response = json_response(
        {"error": {"code": code, "message": message, "details": details}}, status
    )
    secure(response)
    return response
