"""Reading a JSON request body: media type, size limit, JSON syntax, then the route's schema.

The limit holds for chunked bodies too: the stream is read in pieces and refused as soon
as it passes the limit, whatever Content-Length said (or did not say). A body whose schema
has no required field is optional: a request without one (no bytes, whatever its media
type says) loads as `{}`; a required body that is missing is refused as before.
"""

from __future__ import annotations

import json
from typing import Any

from marshmallow import Schema, ValidationError
from werkzeug.wrappers import Request

from services.common.errors import InvalidInput
from services.gateway.errors import (
    BadRequest,
    MalformedJson,
    PayloadTooLarge,
    UnsupportedMediaType,
)

_PIECE = 64 * 1024


def load_json_body(request: Request, schema: Schema, limit: int) -> dict[str, Any]:
    if body_is_optional(schema) and has_no_body(request):
        return load_fields(schema, {})
    if not is_json(request.mimetype):
        raise UnsupportedMediaType(
            "Send the body as application/json.", {"content_type": request.mimetype or None}
        )
    data = parse_json(read_body(request, limit))
    if not isinstance(data, dict):
        raise InvalidInput(
            "The body must be a JSON object.", {"_schema": ["Must be a JSON object."]}
        )
    return load_fields(schema, data)


def load_fields(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """`schema.load`, its refusal answered as invalid_input with each field's messages."""
    try:
        return schema.load(data)
    except ValidationError as error:
        raise InvalidInput("Some fields are not acceptable.", error.normalized_messages()) from None


def body_is_optional(schema: Schema) -> bool:
    return not any(field.required for field in schema.fields.values())


def has_no_body(request: Request) -> bool:
    """A length of 0, or neither a length nor chunks: HTTP's way of sending no body."""
    if request.content_length is not None:
        return request.content_length == 0
    return "chunked" not in request.headers.get("Transfer-Encoding", "").lower()


def is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json")
    )


def read_body(request: Request, limit: int) -> bytes:
    too_large = PayloadTooLarge(
        f"The body may have at most {limit} bytes.", {"max_body_bytes": limit}
    )
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    # the server's own stream: it knows where a chunked body ends (werkzeug's would be empty)
    stream = request.environ["wsgi.input"]
    pieces: list[bytes] = []
    size = 0
    try:
        while piece := stream.read(min(_PIECE, limit + 1 - size)):
            pieces.append(piece)
            size += len(piece)
            if size > limit:
                raise too_large
    except ValueError as error:  # eventlet's ChunkReadError: a broken chunked body
        raise BadRequest("The body could not be read.", {"reason": str(error)}) from None
    return b"".join(pieces)


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise MalformedJson("The body is not valid JSON.", {"reason": _reason(error)}) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _reason(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8"
    if isinstance(error, RecursionError):
        return "nested too deeply"
    return str(error)
