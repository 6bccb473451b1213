"""The application routes' query and the lists the gateway wraps answers in.

Request bodies and the worklist's query are the applications service's own input schemas
(it owns every rule), and every answer is the service's own schema
(services/applications/answers.py), which the routes and the OpenAPI document refer to.
Each type's form is a component of its own (`ApplicationForm.<key>`), written from the JSON
Schema the applications service generates from the form.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from services.applications import catalogue
from services.applications.answers import ApplicationTypeView, CaseSummary, DraftView
from services.gateway.schemas import doc

LANGUAGES = ("de", "en")


class TypesQuery(Schema):
    language = fields.String(
        load_default="de",
        validate=validate.OneOf(LANGUAGES),
        metadata=doc("the language of names and texts; de unless asked"),
    )


# answers: the lists the gateway wraps an RPC's answer in; the rest is the service's


class ApplicationTypeList(Schema):
    application_types = fields.List(fields.Nested(ApplicationTypeView))


class DraftList(Schema):
    drafts = fields.List(fields.Nested(DraftView), metadata=doc("the oldest change first"))


class CaseList(Schema):
    cases = fields.List(fields.Nested(CaseSummary), metadata=doc("newest first"))


FORM_COMPONENT = "ApplicationForm.{key}"
# JSON Schema keywords that OpenAPI 3.0's schema objects lack: a component is not a document
_DOCUMENT_KEYWORDS = ("$schema", "$id")


def form_components() -> dict[str, dict[str, Any]]:
    """Each application type's form, as OpenAPI 3.0 writes its JSON Schema (German texts)."""
    return {
        FORM_COMPONENT.format(key=key): openapi_schema(kind.form_schema("de"))
        for key, kind in catalogue.load().items()
    }


def openapi_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) as an OpenAPI 3.0 schema object: null as `nullable`,
    numeric exclusive bounds as boolean ones, no `$schema` or `$id`."""
    converted: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword in _DOCUMENT_KEYWORDS:
            continue
        if keyword == "type" and isinstance(value, list):
            kinds = [kind for kind in value if kind != "null"]
            converted["type"] = kinds[0]
            converted["nullable"] = "null" in value
        elif keyword in ("exclusiveMinimum", "exclusiveMaximum"):
            converted[keyword.replace("exclusiveM", "m")] = value
            converted[keyword] = True
        elif keyword == "properties":
            converted[keyword] = {name: openapi_schema(item) for name, item in value.items()}
        elif keyword in ("items", "additionalProperties") and isinstance(value, dict):
            converted[keyword] = openapi_schema(value)
        else:
            converted[keyword] = value
    return converted
