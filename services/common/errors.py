"""Typed errors that cross RPC boundaries intact.

A service raises one of these; nameko serialises it; the caller gets the same type back
(registered with `deserialize_to_instance`), and the gateway maps it to HTTP in one table.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from nameko.exceptions import deserialize_to_instance

_WIRE_PREFIX = "json:"


class ServiceError(Exception):
    """An error a caller can act on: it has a stable machine-readable code."""

    code: ClassVar[str] = "service_error"
    http_status: ClassVar[int] = 400

    def __init__(self, message: str, details: Any = None) -> None:
        if isinstance(details, str) and details.startswith(_WIRE_PREFIX):
            details = json.loads(details.removeprefix(_WIRE_PREFIX))  # arrived over RPC
        # nameko sends exception arguments as text, every number and null included; the
        # details travel as JSON in a string instead, and come back as they were sent
        super().__init__(message, _WIRE_PREFIX + json.dumps(details))
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


def service_error(code: str, http_status: int):
    """Declare a typed error class with its code and the HTTP status the gateway answers."""

    def register(cls: type[ServiceError]) -> type[ServiceError]:
        cls.code = code
        cls.http_status = http_status
        return deserialize_to_instance(cls)

    return register


@service_error("invalid_input", 400)
class InvalidInput(ServiceError):
    """The request was understood but its content is not acceptable; details name the fields."""


@service_error("unauthenticated", 401)
class Unauthenticated(ServiceError):
    pass


@service_error("forbidden", 403)
class Forbidden(ServiceError):
    pass


@service_error("not_found", 404)
class NotFound(ServiceError):
    pass


@service_error("conflict", 409)
class Conflict(ServiceError):
    pass


@service_error("gone", 410)
class Gone(ServiceError):
    pass


@service_error("length_required", 411)
class LengthRequired(ServiceError):
    """A streamed body is sent with its Content-Length."""


@service_error("service_unavailable", 503)
class ServiceUnavailable(ServiceError):
    """A service the request needs did not answer in time or is not running."""
