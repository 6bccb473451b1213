"""Open311 GeoReport v2 on the wire: each route answers in the format its path ends in,
`.json` or `.xml`, and refuses in the spec's shape, a list of {code, description}.

The JSON is the spec's Spark convention: the XML's data, with its lists as arrays. The XML
is the same data, each list's members named in the singular as the spec names them
(<services><service>, <service_requests><request>, <attributes><attribute>, ...). An
error's code is its HTTP status; refused input gets an entry per field and message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from marshmallow import Schema
from werkzeug.wrappers import Request, Response

from services.common.errors import InvalidInput
from services.gateway.errors import ApiError, describe
from services.gateway.feedback_schemas import Open311Error
from services.gateway.http import Route
from services.gateway.settings import GatewaySettings

# the path's last part: `services.json`, `services.xml`
FORMAT = '<any("json", "xml"):format>'
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# the element of a list's members, by the list's own element
MEMBERS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# characters XML 1.0 cannot carry, not even escaped: a citizen's text loses them in XML
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Formatted:
    """A route's answer, with the format its path asked for."""

    format: str
    payload: Any


class Open311Route(Route):
    """`@open311(url, root=..., items=Schema | response=Schema)`: a GET answering GeoReport v2.

    The url ends in FORMAT; `root` is the XML's root element, `items` the schema of a list's
    members (for OpenAPI), `response` that of a single document. The service answers in
    the spec's shapes: nothing is dumped.
    """

    def __init__(
        self, method: str, url: str, *, root: str, items: type[Schema] | None = None, **kwargs
    ) -> None:
        super().__init__(method, url, dump_response=False, **kwargs)
        self.root = root
        self.items = items

    @property
    def response_content(self) -> dict[str, Any]:
        # a new one each time: apispec resolves the schema inside it in place
        schema = {"type": "array", "items": self.items} if self.items else self.response
        return {"application/json": {"schema": schema}, "text/xml": _xml_content(self.root)}

    @property
    def error_content(self) -> dict[str, Any]:
        return {
            "application/json": {"schema": {"type": "array", "items": Open311Error}},
            "text/xml": _xml_content("errors"),
        }

    def handle_result(self, event, worker_ctx, result, exc_info):
        # response_from_result sees the result only: the path's format goes along with it
        if exc_info is None:
            result = Formatted(worker_ctx.kwargs["format"], result)
        return super().handle_result(event, worker_ctx, result, exc_info)

    def response_from_result(self, result: Formatted) -> Response:
        return render(result.format, self.root, result.payload)

    def response_from_exception(self, exc: BaseException, request: Request | None = None):
        # the project's answer first: it logs what must be logged and sets Allow, Retry-After
        response = super().response_from_exception(exc, request)
        format = getattr(request, "path_values", {}).get("format", "json")
        response.set_data(encode(format, "errors", errors(describe(exc))))
        response.content_type = CONTENT_TYPES[format]
        return response


def open311(url: str, **kwargs):
    return Open311Route.decorator("GET", url, **kwargs)


def endpoint_base(request: Request) -> str:
    """Where the public reaches this API: GATEWAY.public_url, else where the request came."""
    return (GatewaySettings.from_config().public_url or request.host_url).rstrip("/")


def render(format: str, root: str, payload: Any) -> Response:
    response = Response(encode(format, root, payload), content_type=CONTENT_TYPES[format])
    response.headers["Cache-Control"] = "no-store"
    return response


def encode(format: str, root: str, payload: Any) -> bytes:
    if format == "xml":
        return to_xml(root, payload)
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def errors(answer: ApiError) -> list[dict[str, Any]]:
    """The spec's error list: the HTTP status as code; refused input, an entry per message."""
    if answer.code == InvalidInput.code and isinstance(answer.details, dict):
        refused = [
            {"code": answer.status, "description": f"{field}: {message}" if field else message}
            for field, message in _messages(answer.details, "")
        ]
        if refused:
            return refused
    return [{"code": answer.status, "description": answer.message}]


def _messages(details: Any, field: str) -> Iterator[tuple[str, str]]:
    """(field, message) pairs of marshmallow's messages; a list's item counts as its field."""
    if isinstance(details, dict):
        for key, value in details.items():
            inner = str(key)
            name = field if inner.isdigit() else ".".join(filter(None, (field, inner)))
            yield from _messages(value, "" if name == "_schema" else name)
    elif isinstance(details, list):
        for item in details:
            yield from _messages(item, field)
    else:
        yield field, str(details)


def to_xml(root: str, payload: Any) -> bytes:
    element = ElementTree.Element(root)
    _fill(element, payload)
    return _DECLARATION + ElementTree.tostring(element, encoding="unicode").encode("utf-8")


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, key), item)
    elif isinstance(value, list):
        for item in value:
            _fill(ElementTree.SubElement(element, MEMBERS[element.tag]), item)
    else:
        element.text = _text(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _xml_content(root: str) -> dict[str, Any]:
    return {
        "schema": {
            "type": "string",
            "description": f"the same data as XML, under <{root}>: the spec's element names",
        }
    }
