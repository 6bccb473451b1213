"""The portal's application pages: the types, a form drawn from its JSON Schema, the
attachments, drafts, checking the answers, submitting, and following one's cases.

A draft is the journey's memory: every step saves it (`save_draft`), so a citizen can stop
and resume on any device. The form is drawn from the type's published JSON Schema and
checked by the applications service alone, which names every failing field; the page puts
each message at its field. Attachments, to a draft or with an answer to the office's
question, arrive in a plain multipart form and are sent on to the documents service
(services/portal/uploading.py); with JavaScript the page's script has already sent the
file in parts (services/portal/uploads.py) and the form brings the document's id, checked
here as the caller's own and of a type the purpose takes. Submitting carries a key made
when the review page was drawn, so a double click makes one case.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from services.applications import errors as failures
from services.common.errors import InvalidInput, ServiceError
from services.common.identity import CITIZEN
from services.common.rpc import RemoteService
from services.portal.pages import Visit, page
from services.portal.rendering import Redirect, Rendered
from services.portal.schema_forms import choice_key, errors_at, fields_of, labels, read_form
from services.portal.uploading import DocumentDataPlane

DRAFT = "/applications/drafts/<uuid(strict=False):draft_id>"
CASE = "/applications/cases/<uuid(strict=False):case_id>"
CONTACT = ("name", "email")
# the documents service's refusals a citizen can act on, each with its own words
UPLOAD_CODES = {
    "media_type_not_allowed",
    "media_type_mismatch",
    "document_too_large",
    "document_infected",
    "scanner_unavailable",
    "service_unavailable",
}


class FileRefused(Exception):
    """A form's file, refused: the field to show it at and the message's key."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(key)
        self.field = field
        self.key = key


class ApplicationPages:
    """Mixed into GatewayService, beside the JSON routes."""

    applications = RemoteService("applications")
    documents = RemoteService("documents")
    data_plane = DocumentDataPlane()

    @page("GET", "/applications")
    def application_types_page(self, visit: Visit) -> Rendered:
        return Rendered("applications/types.html", {"types": self._types(visit)})

    # the form

    @page("GET", "/applications/<key>/new", roles=CITIZEN)
    def new_application_page(self, visit: Visit, key: str) -> Rendered:
        kind = self._type(visit, key)
        contact = {"name": visit.session.name or "", "email": ""}
        draft = {"application_type": key, "form": {}, "contact": contact}
        return self._form_page(visit, kind, draft, {}, key=str(uuid.uuid4()))

    @page("POST", "/applications/<key>/new", roles=CITIZEN)
    def start_application_page(self, visit: Visit, key: str) -> Rendered | Redirect:
        kind = self._type(visit, key)
        draft = self.applications.save_draft(
            _draft_from(visit, kind, {"application_type": key}),
            idempotency_key=visit.value("idempotency_key") or None,
        )
        return self._after_form(visit, kind, draft)

    @page("GET", DRAFT, roles=CITIZEN)
    def draft_page(self, visit: Visit, draft_id) -> Rendered:
        draft = self.applications.get_draft(str(draft_id))
        return self._form_page(visit, self._type(visit, draft["application_type"]), draft, {})

    @page("POST", DRAFT, roles=CITIZEN)
    def save_draft_page(self, visit: Visit, draft_id) -> Rendered | Redirect:
        draft = self.applications.get_draft(str(draft_id))
        kind = self._type(visit, draft["application_type"])
        draft = self.applications.save_draft(_draft_from(visit, kind, draft), str(draft_id))
        return self._after_form(visit, kind, draft)

    def _after_form(self, visit: Visit, kind: dict, draft: dict) -> Rendered | Redirect:
        action = visit.value("action")
        if action.startswith("add:"):  # one more row, on the same page
            return self._form_page(visit, kind, draft, {}, added=action.removeprefix("add:"))
        if action == "save":
            visit.tell("applications.draft_saved")
            return Redirect("/applications/mine")
        return Redirect(f"/applications/drafts/{draft['draft_id']}/attachments")

    def _form_page(self, visit, kind, draft, errors, *, key="", added=None, status=200):
        fields = fields_of(kind["form_schema"], draft.get("form"), added=added)
        return Rendered(
            "applications/form.html",
            {
                "kind": kind,
                "draft": draft,
                "fields": fields,
                "labels": labels(fields),
                "contact": {name: (draft.get("contact") or {}).get(name, "") for name in CONTACT},
                "errors": errors,
                "idempotency_key": key,
                "choice_key": choice_key,
            },
            status=status,
        )

    # attachments

    @page("GET", f"{DRAFT}/attachments", roles=CITIZEN)
    def attachments_page(self, visit: Visit, draft_id) -> Rendered:
        draft = self.applications.get_draft(str(draft_id))
        return self._attachments_page(visit, draft, {})

    @page("POST", f"{DRAFT}/attachments", roles=CITIZEN)
    def upload_attachment_page(self, visit: Visit, draft_id) -> Rendered | Redirect:
        draft = self.applications.get_draft(str(draft_id))
        kind = self._type(visit, draft["application_type"])
        purpose = visit.value("purpose")
        errors = {}
        if attachment_spec(kind, purpose) is None:
            errors["purpose"] = ["form.required"]
        try:
            document_id = self._document_from_form(visit, kind)
        except FileRefused as refused:
            document_id, errors = None, {**errors, refused.field: [refused.key]}
        if document_id is None and not errors:
            errors["file"] = ["applications.attachments.choose_file"]
        if errors:
            return self._attachments_page(visit, draft, errors, status=400)
        attached = {"document_id": document_id, "purpose": purpose}
        earlier = [a for a in draft.get("attachments") or [] if a != attached]
        self._save(draft, attachments=[*earlier, attached])
        visit.tell("applications.attachments.uploaded")
        return Redirect(f"/applications/drafts/{draft['draft_id']}/attachments")

    def _document_from_form(self, visit: Visit, kind: dict) -> str | None:
        """The document a form brings for its purpose: a plain file field's, sent on to the
        documents service here, or one the page's script already uploaded in parts (its
        id); None when it brings neither."""
        upload = visit.request.files.get("file")
        chosen = upload is not None and bool(upload.filename)
        uploaded = visit.value("uploaded_document_id")
        if not chosen and not uploaded:
            return None
        spec = attachment_spec(kind, visit.value("purpose"))
        if spec is None:
            raise FileRefused("purpose", "form.required")
        if not chosen:
            return self._own_document(visit, uploaded, spec)
        announced = announcement(spec, upload.filename, upload.mimetype, visit.session.language)
        try:
            document = self.data_plane.upload(
                self.documents,
                upload.stream,
                announced,
                idempotency_key=visit.value("idempotency_key") or None,
            )
        except ServiceError as refused:  # the documents service's refusal, or its RPC's
            code = refused.code if refused.code in UPLOAD_CODES else "upload_refused"
            raise FileRefused("file", f"error.code.{code}") from None
        return document["document_id"]

    def _own_document(self, visit: Visit, document_id: str, spec: dict) -> str:
        """A document uploaded by the page's script: the caller's own, of a type the
        purpose takes."""
        try:
            document = self.documents.get_document(document_id)
        except ServiceError:
            raise FileRefused("file", "error.code.document_not_yours") from None
        if document.get("owner") != visit.session.subject:
            raise FileRefused("file", "error.code.document_not_yours")
        if document.get("document_type") not in spec["document_types"]:
            raise FileRefused("file", "error.code.attachment_not_allowed")
        return document_id

    @page("POST", f"{DRAFT}/attachments/remove", roles=CITIZEN)
    def remove_attachment_page(self, visit: Visit, draft_id) -> Redirect:
        draft = self.applications.get_draft(str(draft_id))
        gone = visit.value("document_id")
        kept = [a for a in draft.get("attachments", []) if a["document_id"] != gone]
        self._save(draft, attachments=kept)
        visit.tell("applications.attachments.removed")
        return Redirect(f"/applications/drafts/{draft['draft_id']}/attachments")

    def _attachments_page(self, visit, draft, errors, status=200) -> Rendered:
        kind = self._type(visit, draft["application_type"])
        return Rendered(
            "applications/attachments.html",
            {
                "kind": kind,
                "draft": draft,
                "attached": self._attached(draft),
                "errors": errors,
                "chosen": visit.value("purpose"),
                # one upload per form drawn: sending it twice stores the file once
                "idempotency_key": str(uuid.uuid4()),
            },
            status=status,
        )

    # checking and submitting

    @page("GET", f"{DRAFT}/review", roles=CITIZEN)
    def review_page(self, visit: Visit, draft_id) -> Rendered:
        draft = self.applications.get_draft(str(draft_id))
        kind = self._type(visit, draft["application_type"])
        submission = {
            "application_type": draft["application_type"],
            "form": draft.get("form") or {},
            "attachments": draft.get("attachments") or [],
            "contact": _contact(draft.get("contact") or {}),
            "language": visit.session.language,
            "draft_id": draft["draft_id"],
        }
        fields = fields_of(kind["form_schema"], draft.get("form"))
        return Rendered(
            "applications/review.html",
            {
                "kind": kind,
                "draft": draft,
                "fields": fields,
                "labels": labels(fields),
                "attached": self._attached(draft),
                # what is submitted is what was checked here, even if the draft is gone
                "submission": json.dumps(submission),
                "idempotency_key": str(uuid.uuid4()),
                "choice_key": choice_key,
            },
        )

    # posted to the review page's own address, so that a refused form's language link
    # leads back to the review
    @page("POST", f"{DRAFT}/review", roles=CITIZEN)
    def submit_page(self, visit: Visit, draft_id) -> Rendered | Redirect:
        try:
            submission = json.loads(visit.value("submission"))
            assert isinstance(submission, dict)
        except (ValueError, AssertionError):
            return Rendered("errors/refused.html", {"code": "invalid_input"}, status=400)
        try:
            case = self.applications.submit(
                submission, idempotency_key=visit.value("idempotency_key") or None
            )
        except failures.InvalidForm as refused:
            return self._refused_form(visit, submission, errors_at(refused.details, "form"))
        except InvalidInput as refused:
            return self._refused_form(visit, submission, errors_at(refused.details))
        except (failures.AttachmentsMissing, failures.AttachmentNotAllowed) as refused:
            draft = self._draft_of(submission)
            errors = {"file": [f"error.code.{refused.code}"]}
            return self._attachments_page(visit, draft, errors, status=400)
        return Redirect(f"/applications/cases/{case['case_id']}/receipt")

    def _refused_form(self, visit: Visit, submission: dict, errors: dict) -> Rendered:
        kind = self._type(visit, submission.get("application_type", ""))
        return self._form_page(visit, kind, self._draft_of(submission), errors, status=400)

    def _draft_of(self, submission: dict) -> dict:
        """The draft a refused submission came from, as it was submitted."""
        return {**submission, "draft_id": str(submission.get("draft_id") or "")}

    # the citizen's cases

    @page("GET", "/applications/mine", roles=CITIZEN)
    def my_applications_page(self, visit: Visit) -> Rendered:
        names = {kind["key"]: kind["name"] for kind in self._types(visit)}
        return Rendered(
            "applications/mine.html",
            {
                "drafts": self.applications.my_drafts(),
                "cases": self.applications.my_cases(),
                "names": names,
            },
        )

    @page("GET", f"{CASE}/receipt", roles=CITIZEN)
    def receipt_page(self, visit: Visit, case_id) -> Rendered:
        case = self.applications.get_case(str(case_id))
        return Rendered("applications/receipt.html", {"case": case})

    @page("GET", CASE, roles=CITIZEN)
    def case_page(self, visit: Visit, case_id) -> Rendered:
        return self._case_page(visit, self.applications.get_case(str(case_id)), {}, "", None)

    @page("POST", f"{CASE}/answer", roles=CITIZEN)
    def answer_page(self, visit: Visit, case_id) -> Rendered | Redirect:
        case = self.applications.get_case(str(case_id))
        kind = self._type(visit, case["application_type"])
        text = visit.value("text")
        errors: dict[str, list[str]] = {}
        try:
            document_id = self._document_from_form(visit, kind)
        except FileRefused as refused:
            document_id, errors = None, {refused.field: [refused.key]}
        attached = [{"document_id": document_id, "purpose": visit.value("purpose")}]
        if text and errors:  # the text is fine, the file is not: nothing is sent
            return self._case_page(visit, case, errors, text, None, status=400)
        try:
            # an answer left empty is missing, and the service says so
            answer = {"text": text, "attachments": attached if document_id else []}
            self.applications.answer(str(case_id), answer if text else {})
        except InvalidInput as refused:
            errors["text"] = errors_at(refused.details).get("text", ["form.invalid"])
        except (failures.AttachmentNotAllowed, failures.DocumentNotYours) as refused:
            errors["file"], document_id = [f"error.code.{refused.code}"], None
        if errors:
            return self._case_page(visit, case, errors, text, document_id, status=400)
        visit.tell("applications.case.answered")
        return Redirect(f"/applications/cases/{case_id}")

    @page("GET", f"{CASE}/withdraw", roles=CITIZEN)
    def withdraw_question_page(self, visit: Visit, case_id) -> Rendered:
        case = self.applications.get_case(str(case_id))
        return Rendered("applications/withdraw.html", {"case": case})

    @page("POST", f"{CASE}/withdraw", roles=CITIZEN)
    def withdraw_page(self, visit: Visit, case_id) -> Redirect:
        self.applications.withdraw(str(case_id))
        visit.tell("applications.case.withdrawn")
        return Redirect(f"/applications/cases/{case_id}")

    @page("GET", f"{CASE}/documents/<uuid(strict=False):document_id>/download", roles=CITIZEN)
    def case_document_page(self, visit: Visit, case_id, document_id) -> Redirect:
        self.applications.get_case(str(case_id))  # refuses another's case first
        return Redirect(self.documents.download_link(str(document_id))["url"])

    def _case_page(self, visit, case, errors, text, kept, status=200) -> Rendered:
        """The case; `kept`: a document already uploaded for an answer not yet sent."""
        kind = self._type(visit, case["application_type"])
        found = self.documents.list_documents({"case_id": case["case_id"]})["documents"]
        return Rendered(
            "applications/case.html",
            {
                "case": case,
                "kind": kind,
                "statuses": {s["status"]: s["text"] for s in kind["statuses"]},
                "documents": [d for d in found if d.get("status") != "erased"],
                "errors": errors,
                "text": text,
                "chosen": visit.value("purpose"),
                "kept": self.documents.get_document(kept) if kept else None,
                "idempotency_key": str(uuid.uuid4()),
            },
            status=status,
        )

    # helpers

    def _types(self, visit: Visit) -> list[dict[str, Any]]:
        return self.applications.application_types(visit.session.language)

    def _type(self, visit: Visit, key: str) -> dict[str, Any]:
        found = next((kind for kind in self._types(visit) if kind["key"] == key), None)
        if found is None:
            raise failures.UnknownApplicationType("There is no such application type.")
        return found

    def _attached(self, draft: dict) -> list[dict[str, Any]]:
        """The draft's attachments with their documents' titles."""
        attached = []
        for attachment in draft.get("attachments") or []:
            try:
                document = self.documents.get_document(attachment["document_id"])
            except ServiceError:
                document = {"title": ""}
            attached.append({**attachment, "title": document.get("title") or ""})
        return attached

    def _save(self, draft: dict, **changes: Any) -> dict:
        kept = {name: draft.get(name) for name in ("application_type", "form", "contact")}
        kept["attachments"] = draft.get("attachments") or []
        return self.applications.save_draft({**kept, **changes}, draft["draft_id"])


def attachment_spec(kind: dict, purpose: str) -> dict[str, Any] | None:
    """What the type says of attachments for `purpose`, or None when it takes none."""
    return next((a for a in kind["attachments"] if a["purpose"] == purpose), None)


def announcement(spec: dict, filename: str, media_type: str, language: str) -> dict[str, Any]:
    """An attachment's upload as announced to the documents service, by the plain form and
    by the script alike, so that the same file sent both ways is the same upload."""
    return {
        "document_type": spec["document_types"][0],
        "title": filename[:300],
        "filename": filename[:255],
        "media_type": media_type or "application/octet-stream",
        "language": language,
    }


def _draft_from(visit: Visit, kind: dict, draft: dict) -> dict[str, Any]:
    """The draft as the posted form leaves it."""
    return {
        "application_type": kind["key"],
        "form": read_form(kind["form_schema"], visit.value),
        "attachments": draft.get("attachments") or [],
        "contact": {name: visit.value(f"contact.{name}") for name in CONTACT},
    }


def _contact(contact: dict) -> dict[str, Any]:
    """The contact as the service reads it: a name left empty is missing."""
    name = {"name": contact["name"]} if contact.get("name") else {}
    return {**name, "email": contact.get("email") or None}
