"""The OpenAPI 3 document, generated from the gateway's routes and their marshmallow schemas.

python -m services.gateway.openapi_export --write   # refresh docs/openapi.json
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from services.gateway import schemas
from services.gateway.errors import CODES
from services.gateway.http import CORRELATION_HEADER, Route

TITLE = "Rathaus Online API"
API_VERSION = "1.0.0"
OPENAPI_VERSION = "3.0.3"
SECURITY_SCHEME = "bearer"

_ERROR_RESPONSES = {
    "BadInput": (400, ("bad_request", "malformed_json", "invalid_input")),
    "Unauthenticated": (401, ("unauthenticated", "invalid_token")),
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
    for name, schema in sorted(vars(schemas).items()):
        # a schema nested in one registered before is registered already, by the same name
        if _is_own_schema(schema) and name not in spec.components.schemas:
            spec.components.schema(name, schema=schema)
    for name, (status, codes) in _ERROR_RESPONSES.items():
        spec.components.response(name, _error_response(status, codes))
    for method_name, route in routes(service_cls):
        if enabled_only and not route.is_enabled():
            continue
        path, parameters = _openapi_path(route.url)
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
    if route.roles is not None:
        operation["security"] = [{SECURITY_SCHEME: []}]
        description += f"\n\nNeeds a bearer token with the role {' or '.join(route.roles)}."
    if description.strip():
        operation["description"] = description.strip()
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": route.body}},
        }
    content = {"application/json": {"schema": route.response or {"type": "object"}}}
    for status, text in route.responses.items():
        operation["responses"][str(status)] = {"description": text, "content": content}
    for name in _error_responses_for(route):
        status = str(_ERROR_RESPONSES[name][0])
        operation["responses"].setdefault(status, name)
    return operation


def _is_own_schema(value: Any) -> bool:
    return (
        inspect.isclass(value)
        and issubclass(value, schemas.Schema)
        and value.__module__ == schemas.__name__
    )


def _error_responses_for(route: Route) -> list[str]:
    names = []
    if route.body is not None:
        names += ["BadInput", "PayloadTooLarge", "UnsupportedMediaType"]
    if route.roles is not None:
        names += ["Unauthenticated", "Forbidden"]
    return [*names, "InternalError", "Unavailable"]


def _error_response(status: int, codes: tuple[str, ...]) -> dict[str, Any]:
    return {
        "description": "; ".join(f"`{code}`: {CODES[code][1]}" for code in codes),
        "content": {"application/json": {"schema": schemas.ErrorBody}},
    }


def _description() -> str:
    rows = sorted(CODES.items(), key=lambda item: (item[1][0], item[0]))
    codes = "\n".join(f"| {status} | `{code}` | {when} |" for code, (status, when) in rows)
    return _DESCRIPTION.format(header=CORRELATION_HEADER, codes=codes)


_PATH_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _openapi_path(url: str) -> tuple[str, list[dict[str, Any]]]:
    names = _PATH_VARIABLE.findall(url)
    parameters = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
        for name in names
    ]
    return _PATH_VARIABLE.sub(r"{\1}", url), parameters


def _tag(url: str) -> str:
    parts = [part for part in url.removeprefix("/api/v1").split("/") if part]
    return parts[0].removesuffix(".json") if parts else "api"
