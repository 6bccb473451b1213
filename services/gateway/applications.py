"""The application routes: the catalogue, drafts, submitting and following a case, the
clerks' worklist and their work on a case.

Each route calls one RPC of the applications service, which owns every rule and checks the
caller's role again; the roles here describe the routes and refuse early.
"""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Request, Response

from services.applications import answers
from services.applications import errors as failures
from services.applications import schemas as inputs
from services.applications.form_schema import MEDIA_TYPE, SCHEMA_PATH
from services.common.context import ROLES
from services.common.identity import CITIZEN, OFFICE
from services.common.keyset import InvalidCursor
from services.common.rpc import RemoteService
from services.common.transitions import IllegalTransition
from services.gateway import application_schemas as schemas
from services.gateway.http import Route, api
from services.gateway.idempotency import idempotency_key, keyed_api

PREFIX = "/api/v1/applications"
CASE = f"{PREFIX}/cases/<uuid(strict=False):case_id>"
DRAFT = f"{PREFIX}/drafts/<uuid(strict=False):draft_id>"
_ATTACHMENT_ERRORS = (failures.AttachmentNotAllowed, failures.DocumentNotYours)
_MOVE_ERRORS = (failures.CaseNotFound, IllegalTransition, failures.CaseClosed)
_THE_CASE = {200: "The case, as it is now."}


class SchemaRoute(Route):
    """An `api` route answering a JSON Schema document as `application/schema+json`."""

    @property
    def response_content(self) -> dict[str, Any]:
        described = {
            "type": "object",
            "description": "A JSON Schema (draft 2020-12) document; see the components "
            "ApplicationForm.<key> for each type's.",
        }
        return {MEDIA_TYPE: {"schema": described}}

    def response_from_result(self, result: Any) -> Response:
        response = Response(json.dumps(result, ensure_ascii=False), mimetype=MEDIA_TYPE)
        # a type's form changes with a release only: validators and portals may keep it
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response


api_schema = SchemaRoute.decorator


class ApplicationRoutes:
    applications = RemoteService("applications")

    @api(
        "GET",
        f"{PREFIX}/types",
        query=schemas.TypesQuery,
        response=schemas.ApplicationTypeList,
    )
    def application_types(self, request, query: dict[str, Any]) -> dict[str, Any]:
        """The application types the office takes online.

        Each with its form's fields (and which are required), its form as JSON Schema
        (`form_schema`, also served at `.../types/{key}/schema.json`), the attachments it
        takes, its fee, its processing time and its statuses, named in the language asked.
        """
        types = self.applications.application_types(query["language"])
        return {"application_types": types}

    @api_schema(
        "GET",
        SCHEMA_PATH.format(key="<key>"),
        query=schemas.TypesQuery,
        responses={200: "The form's JSON Schema; its `$id` is this URL, without the query."},
        errors=(failures.UnknownApplicationType,),
    )
    def application_form_schema(self, request, key: str, query: dict[str, Any]) -> dict[str, Any]:
        """One application type's form as JSON Schema (draft 2020-12).

        Generated from the form the service checks submissions with: types, required
        fields, unknown fields refused, lengths, patterns, choices, ranges, formats. Titles
        and descriptions are in the language asked (German unless `language=en`), the
        other language under `x-translations`. The `$id` is this URL, the schema URI a
        case's FIT-Connect-shaped metadata names (`submissionSchema.schemaUri`). A rule
        that JSON Schema cannot state (a date not in the past) is in its field's
        description; the service still refuses it (`invalid_form`).
        """
        return self.applications.form_schema(key, query["language"])

    @keyed_api(
        "POST",
        f"{PREFIX}/drafts",
        roles=CITIZEN,
        body=inputs.DraftInput,
        response=answers.DraftView,
        responses={201: "The draft; resume it by its draft_id, on any device."},
        errors=(failures.UnknownApplicationType,),
    )
    def save_draft(self, request, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Save an application half done. Nothing in it is checked but its type."""
        return 201, self.applications.save_draft(body, idempotency_key=idempotency_key(request))

    @api(
        "PUT",
        DRAFT,
        roles=CITIZEN,
        body=inputs.DraftInput,
        response=answers.DraftView,
        errors=(failures.UnknownApplicationType, failures.DraftNotFound),
    )
    def update_draft(self, request, body: dict[str, Any], draft_id) -> dict[str, Any]:
        """Replace a draft of the caller's as a whole.

        Safe to retry: the draft is replaced by the same content again.
        """
        return self.applications.save_draft(body, str(draft_id))

    @api(
        "GET",
        DRAFT,
        roles=CITIZEN,
        response=answers.DraftView,
        errors=(failures.DraftNotFound,),
    )
    def get_draft(self, request, draft_id) -> dict[str, Any]:
        """One of the caller's drafts, to resume it."""
        return self.applications.get_draft(str(draft_id))

    @api("GET", f"{PREFIX}/drafts", roles=CITIZEN, response=schemas.DraftList)
    def my_drafts(self, request) -> dict[str, Any]:
        """The caller's drafts. A draft submitted (named in `draft_id`) is gone."""
        return {"drafts": self.applications.my_drafts()}

    @keyed_api(
        "POST",
        f"{PREFIX}/cases",
        roles=CITIZEN,
        body=inputs.Submission,
        response=answers.CaseView,
        responses={201: "The case, with its number; the same key answers the same case."},
        errors=(
            failures.UnknownApplicationType,
            failures.InvalidForm,
            failures.AttachmentsMissing,
            *_ATTACHMENT_ERRORS,
        ),
    )
    def submit_application(
        self, request: Request, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """Submit an application; the answer is the case, with its number.

        The body holds the form, the attachments (the caller's own uploaded documents), a
        contact, and the language the office is to write in. The form is checked against
        the type's schema and every failing field is named (`invalid_form`, details:
        field -> messages); a required attachment missing is named (`attachments_missing`);
        a document that is not the caller's is refused (`document_not_yours`).

        Send an idempotency key (the `Idempotency-Key` header, which wins, or
        `idempotency_key` in the body) to submit safely again after a lost answer: the same
        key answers the case made the first time. Naming the `draft_id` discards the draft.
        """
        return 201, self.applications.submit(body, idempotency_key=idempotency_key(request))

    @api("GET", f"{PREFIX}/cases/mine", roles=CITIZEN, response=schemas.CaseList)
    def my_cases(self, request) -> dict[str, Any]:
        """The caller's cases, newest first, each with its status as the citizen reads it."""
        return {"cases": self.applications.my_cases()}

    @api(
        "GET",
        CASE,
        roles=ROLES,
        response=answers.CaseView,
        errors=(failures.CaseNotFound,),
    )
    def get_case(self, request, case_id) -> dict[str, Any]:
        """A case with its history and what may be done next.

        A citizen sees their own cases only (another's is `case_not_found`); the office
        sees every case, with its assignee, internal notes and who did each step.
        """
        return self.applications.get_case(str(case_id))

    @api(
        "POST",
        f"{CASE}/answer",
        roles=CITIZEN,
        body=inputs.Answer,
        response=answers.CaseView,
        responses=_THE_CASE,
        errors=(*_MOVE_ERRORS, failures.NoOpenRequest, *_ATTACHMENT_ERRORS),
    )
    def answer_case(self, request, body: dict[str, Any], case_id) -> dict[str, Any]:
        """Answer what the office asked; the case goes back into review.

        Attach documents (the caller's own) if the office asked for them.

        Safe to retry: once answered, the case has no open request, and a second answer is
        refused (409 `no_open_request`) and changes nothing.
        """
        return self.applications.answer(str(case_id), body)

    @api(
        "POST",
        f"{CASE}/withdraw",
        roles=CITIZEN,
        response=answers.CaseView,
        responses=_THE_CASE,
        errors=_MOVE_ERRORS,
    )
    def withdraw_case(self, request, case_id) -> dict[str, Any]:
        """Withdraw an application not yet decided; the case is closed.

        Safe to retry: a withdrawn case is closed, and withdrawing it again is refused (409
        `case_closed`) and changes nothing.
        """
        return self.applications.withdraw(str(case_id))

    @api(
        "GET",
        f"{PREFIX}/worklist",
        roles=OFFICE,
        query=inputs.Worklist,
        response=answers.WorklistPage,
        errors=(InvalidCursor,),
    )
    def worklist(self, request, query: dict[str, Any]) -> dict[str, Any]:
        """The clerks' worklist: cases by type, status, assignee or overdue, in pages.

        A clerk sees the cases of their departments' application types (each type names its
        department) and no other; an admin sees every case. A case out of a clerk's reach is
        not found by its id either.

        Sorted by `submitted_at` or `due_at` (`-` first for newest first); page on with
        `cursor`, the `next_cursor` of the page before (any other is `invalid_cursor`). A
        page costs the same wherever it is.
        """
        return self.applications.worklist(query)

    @api(
        "POST",
        f"{CASE}/assignment",
        roles=OFFICE,
        body=inputs.Assignment,
        response=answers.CaseView,
        responses=_THE_CASE,
        errors=(failures.CaseNotFound,),
    )
    def assign_case(self, request, body: dict[str, Any], case_id) -> dict[str, Any]:
        """Assign the case to a clerk (their subject), or to nobody with null.

        Safe to retry: assigning to the same clerk again leaves the case as it is.
        """
        return self.applications.assign(str(case_id), body)

    @keyed_api(
        "POST",
        f"{CASE}/notes",
        roles=OFFICE,
        body=inputs.Text,
        response=answers.NoteView,
        responses={201: "The note; only the office ever sees it."},
        errors=(failures.CaseNotFound,),
    )
    def add_case_note(self, request, body: dict[str, Any], case_id) -> tuple[int, dict[str, Any]]:
        """Add an internal note to the case."""
        return 201, self.applications.add_note(
            str(case_id), body, idempotency_key=idempotency_key(request)
        )

    @api(
        "POST",
        f"{CASE}/review",
        roles=OFFICE,
        response=answers.CaseView,
        responses=_THE_CASE,
        errors=_MOVE_ERRORS,
    )
    def start_review(self, request, case_id) -> dict[str, Any]:
        """Start reviewing the case (in_review); the citizen is told.

        Safe to retry: the case has moved on, so the same step again is refused (409)
        and changes nothing.
        """
        return self.applications.start_review(str(case_id))

    @api(
        "POST",
        f"{CASE}/information-requests",
        roles=OFFICE,
        body=inputs.Text,
        response=answers.CaseView,
        responses=_THE_CASE,
        errors=_MOVE_ERRORS,
    )
    def request_information(self, request, body: dict[str, Any], case_id) -> dict[str, Any]:
        """Ask the citizen for information or documents; the case waits for their answer.

        The question is sent to the citizen; the case is information_requested until they
        answer it.

        Safe to retry: the case has moved on, so the same step again is refused (409)
        and changes nothing.
        """
        return self.applications.request_information(str(case_id), body)

    @api(
        "POST",
        f"{CASE}/decision",
        roles=OFFICE,
        body=inputs.Decision,
        response=answers.CaseView,
        responses=_THE_CASE,
        errors=_MOVE_ERRORS,
    )
    def decide_case(self, request, body: dict[str, Any], case_id) -> dict[str, Any]:
        """Approve or reject the application, with the reason.

        The decision is sent to the citizen.

        Safe to retry: the case has moved on, so the same step again is refused (409)
        and changes nothing.
        """
        return self.applications.decide(str(case_id), body)

    @api(
        "POST",
        f"{CASE}/completion",
        roles=OFFICE,
        response=answers.CaseView,
        responses=_THE_CASE,
        errors=_MOVE_ERRORS,
    )
    def complete_case(self, request, case_id) -> dict[str, Any]:
        """Complete a decided case; it is closed and takes no changes but a reopening.

        Safe to retry: the case has moved on, so the same step again is refused (409)
        and changes nothing.
        """
        return self.applications.complete(str(case_id))

    @api(
        "POST",
        f"{CASE}/reopening",
        roles=OFFICE,
        body=inputs.Text,
        response=answers.CaseView,
        responses=_THE_CASE,
        errors=(failures.CaseNotFound, IllegalTransition),
    )
    def reopen_case(self, request, body: dict[str, Any], case_id) -> dict[str, Any]:
        """Reopen a closed case, with the reason; it goes back into review.

        Safe to retry: the case has moved on, so the same step again is refused (409)
        and changes nothing.
        """
        return self.applications.reopen(str(case_id), body)
