"""The OpenAPI 3 document, generated from the gateway's routes and their marshmallow schemas.

python -m services.gateway.openapi_export --write   # refresh docs/openapi.json
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema

from services.common.errors import ServiceError
from services.common.web import CORRELATION_HEADER
from services.gateway import (
    application_schemas,
    appointment_schemas,
    document_schemas,
    feedback_schemas,
    notification_schemas,
    schemas,
)
from services.gateway.body import body_is_optional
from services.gateway.errors import CODES, RateLimited
from services.gateway.http import SIGN_IN_OPTIONAL, Route

TITLE = "Rathaus Online API"
API_VERSION = "1.0.0"
OPENAPI_VERSION = "3.0.3"
SECURITY_SCHEME = "bearer"
# every module whose schemas the document lists under components
SCHEMA_MODULES: tuple[ModuleType, ...] = (
    schemas,
    application_schemas,
    appointment_schemas,
    document_schemas,
    notification_schemas,
    feedback_schemas,
)

_ERROR_RESPONSES = {
    "BadInput": (400, ("bad_request", "malformed_json", "invalid_input")),
    "BadQuery": (400, ("invalid_input",)),
    "Unauthenticated": (401, ("unauthenticated", "invalid_token")),
    "InvalidToken": (401, ("invalid_token",)),
    "Forbidden": (403, ("forbidden",)),
    "PayloadTooLarge": (413, ("payload_too_large",)),
    "UnsupportedMediaType": (415, ("unsupported_media_type",)),
    "InternalError": (500, ("internal_error",)),
    "Unavailable": (503, ("service_unavailable",)),
}

_DESCRIPTION = """\
The JSON API of the paperless citizens' office.

**Authentication**: send `Authorization: Bearer <token>`; tokens come from the city's
OpenID Connect provider (or, on a developer's machine, from `POST /api/v1/auth/dev-login`).

**Correlation**: every answer carries `{header}`; send your own (letters, digits, `._:-`,
up to 100 characters) to follow a request through the platform's logs.

**Errors**: every error answers `{{"error": {{"code", "message", "details"}}}}`. Input that
does not fit a route's schema is `400 invalid_input`, with `details` naming each field and
its messages (unknown fields are refused). The codes:

| status | code | when |
|---|---|---|
{codes}

A route's own codes (a slot taken, a link used up, ...) are listed with its responses.
"""


def build_document(service_cls: type, *, enabled_only: bool = False) -> dict[str, Any]:
    """The document for every route of `service_cls` (only those switched on, if asked)."""
    spec = APISpec(
        title=TITLE,
        version=API_VERSION,
        openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin()],
        info={"description": _description()},
    )
    spec.components.security_scheme(
        SECURITY_SCHEME, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for name, schema in sorted(_own_schemas(SCHEMA_MODULES)):
        # a schema nested in one registered before is registered already, by the same name
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=schema)
    for name, component in application_schemas.form_components().items():
        spec.components.schema(name, component=component)
    for name, (_status, codes) in _ERROR_RESPONSES.items():
        spec.components.response(name, _error_response((code, CODES[code][1]) for code in codes))
    for method_name, route in routes(service_cls):
        if enabled_only and not route.is_enabled():
            continue
        path, parameters = openapi_path(route.url)
        spec.path(
            path=path,
            parameters=parameters,
            operations={
                method.lower(): _operation(method_name, service_cls, route)
                for method in route.method.split(",")
            },
        )
    return spec.to_dict()


def render(document: dict[str, Any]) -> str:
    """The committed form: pretty, keys sorted, a trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def routes(service_cls: type) -> list[tuple[str, Route]]:
    found = [
        (name, entrypoint)
        for name, member in inspect.getmembers(service_cls, inspect.isfunction)
        for entrypoint in getattr(member, "nameko_entrypoints", ())
        if isinstance(entrypoint, Route)
    ]
    return sorted(found, key=lambda item: (item[1].url, item[1].method))


def _operation(method_name: str, service_cls: type, route: Route) -> dict[str, Any]:
    doc = inspect.getdoc(getattr(service_cls, method_name)) or method_name
    summary, _, description = doc.partition("\n")
    operation: dict[str, Any] = {
        "operationId": method_name,
        "summary": summary.strip(),
        "tags": [_tag(route.url)],
        "responses": {},
    }
    if route.roles == SIGN_IN_OPTIONAL:
        # an empty requirement: calling without a token is allowed too
        operation["security"] = [{}, {SECURITY_SCHEME: []}]
        description += "\n\nA bearer token is optional; one that is sent must be valid."
    elif route.roles is not None:
        operation["security"] = [{SECURITY_SCHEME: []}]
        description += f"\n\nNeeds a bearer token with the role {' or '.join(route.roles)}."
    if route.rate_limit is not None:
        description += f"\n\nRate-limited per client address (RATE_LIMITS.{route.rate_limit})."
    if description.strip():
        operation["description"] = description.strip()
    if route.query is not None:
        # apispec expands the schema into one parameter per field
        operation["parameters"] = [{"in": "query", "schema": route.query}]
    if route.body is not None:
        operation["requestBody"] = {
            "required": not body_is_optional(route.body()),
            "content": {"application/json": {"schema": route.body}},
        }
    # a streamed route (services/gateway/streaming.py) names its own content and headers
    if getattr(route, "request_content", None):
        operation["requestBody"] = {"required": True, "content": route.request_content}
    if getattr(route, "header_parameters", ()):
        operation["parameters"] = [*operation.get("parameters", ()), *route.header_parameters]
    content = getattr(route, "response_content", None) or {
        "application/json": {"schema": route.response or {"type": "object"}}
    }
    for status, text in route.responses.items():
        operation["responses"][str(status)] = {"description": text, "content": content}
    # a route that refuses in a shape of its own (Open311) says so
    error_content = getattr(route, "error_content", None)
    for status, response in _error_responses(route).items():
        if error_content:
            response = {**_expanded(response), "content": error_content}
        operation["responses"].setdefault(str(status), response)
    return operation


def _own_schemas(modules: Iterable[ModuleType]) -> list[tuple[str, type[Schema]]]:
    """The schemas each module defines (not those it imports)."""
    return [
        (name, value)
        for module in modules
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, Schema)
        and value.__module__ == module.__name__
    ]


def _error_responses(route: Route) -> dict[int, str | dict[str, Any]]:
    """Per status, the shared response by its name; where the route adds codes of its own
    to a status, a response of its own, listing the shared codes and the route's."""
    answers: dict[int, str | dict[str, Any]] = {
        _ERROR_RESPONSES[name][0]: name for name in _shared_error_responses_for(route)
    }
    own: dict[int, list[type[ServiceError]]] = {}
    for kind in (*route.errors, *((RateLimited,) if route.rate_limit is not None else ())):
        own.setdefault(kind.http_status, []).append(kind)
    for status, kinds in own.items():
        shared = answers.get(status)
        codes = _ERROR_RESPONSES[shared][1] if isinstance(shared, str) else ()
        answers[status] = _error_response(
            [
                *((code, CODES[code][1]) for code in codes),
                *((kind.code, _when(kind)) for kind in kinds if kind.code not in codes),
            ]
        )
    return answers


def _expanded(response: str | dict[str, Any]) -> dict[str, Any]:
    """A shared response (named) written out, to be changed."""
    if isinstance(response, dict):
        return response
    return _error_response((code, CODES[code][1]) for code in _ERROR_RESPONSES[response][1])


def _shared_error_responses_for(route: Route) -> list[str]:
    names = []
    if route.body is not None:
        names += ["BadInput", "PayloadTooLarge", "UnsupportedMediaType"]
    elif route.query is not None:
        names += ["BadQuery"]
    if route.roles == SIGN_IN_OPTIONAL:
        names += ["InvalidToken"]
    elif route.roles is not None:
        names += ["Unauthenticated", "Forbidden"]
    return [*names, "InternalError", "Unavailable"]


def _when(kind: type[ServiceError]) -> str:
    """When a client meets the error: from the table, or the first line of its docstring."""
    if kind.code in CODES:
        return CODES[kind.code][1]
    return (inspect.getdoc(kind) or kind.code).partition("\n")[0].rstrip(".")


def _error_response(codes: Iterable[tuple[str, str]]) -> dict[str, Any]:
    return {
        "description": "; ".join(f"`{code}`: {when}" for code, when in codes),
        "content": {"application/json": {"schema": schemas.ErrorBody}},
    }


def _description() -> str:
    rows = sorted(CODES.items(), key=lambda item: (item[1][0], item[0]))
    codes = "\n".join(f"| {status} | `{code}` | {when} |" for code, (status, when) in rows)
    return _DESCRIPTION.format(header=CORRELATION_HEADER, codes=codes)


# werkzeug's <name>, <converter:name> and <converter(arguments):name>
_PATH_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<arguments>[^)]*)\))?:)?(?P<name>\w+)>")


def openapi_path(url: str) -> tuple[str, list[dict[str, Any]]]:
    parameters = [
        {"in": "path", "name": name, "required": True, "schema": _path_schema(converter, arguments)}
        for converter, arguments, name in _PATH_VARIABLE.findall(url)
    ]
    return _PATH_VARIABLE.sub(r"{\g<name>}", url), parameters


def _path_schema(converter: str, arguments: str) -> dict[str, Any]:
    if converter == "any":
        return {"type": "string", "enum": [item.strip(" '\"") for item in arguments.split(",")]}
    return {"type": "string"}


def _tag(url: str) -> str:
    parts = [part for part in url.removeprefix("/api/v1").split("/") if part]
    return parts[0].removesuffix(".json") if parts else "api"
