"""The one error table: every failure becomes `{"error": {code, message, details}}` and a status.

A `ServiceError` (raised here or by a service, arriving over RPC as the same type) carries
its own `code` and `http_status`. Routing errors from werkzeug get codes of their own.
Anything else is a bug: the caller learns only that it happened, never how.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nameko.exceptions import ContainerBeingKilled, RemoteError
from werkzeug import exceptions as http

from services.common import errors as common
from services.common.errors import ServiceError, service_error
from services.common.idempotency import IdempotencyKeyReused


@service_error("bad_request", 400)
class BadRequest(ServiceError):
    """The request could not be read at all (a broken chunked body, say)."""


@service_error("malformed_json", 400)
class MalformedJson(ServiceError):
    """The body is not JSON (or not UTF-8)."""


@service_error("invalid_token", 401)
class InvalidToken(ServiceError):
    """A bearer token came but was refused: bad signature, expired, wrong issuer or audience."""


@service_error("challenge_required", 400)
class ChallengeRequired(ServiceError):
    """The route asks for a solved proof-of-work challenge (`altcha`) and none came."""


@service_error("challenge_failed", 400)
class ChallengeFailed(ServiceError):
    """The `altcha` solution is not one of ours, does not solve its challenge, or expired."""


@service_error("method_not_allowed", 405)
class MethodNotAllowed(ServiceError):
    """The route exists but not with this method; `details.allowed` names the methods."""


@service_error("payload_too_large", 413)
class PayloadTooLarge(ServiceError):
    pass


@service_error("unsupported_media_type", 415)
class UnsupportedMediaType(ServiceError):
    pass


@service_error("rate_limited", 429)
class RateLimited(ServiceError):
    """Too many requests from one address; `details.retry_after` says when to try again."""


@service_error("internal_error", 500)
class InternalError(ServiceError):
    """A bug, in the gateway or in a service; its story is in the logs, not in the answer."""


# every code a client may meet, and when; the OpenAPI document shows this table
_KNOWN: tuple[tuple[type[ServiceError], str], ...] = (
    (BadRequest, "the request could not be read"),
    (MalformedJson, "the body is not valid UTF-8 JSON"),
    (common.InvalidInput, "the body or query (or a service) refused input; details name fields"),
    (ChallengeRequired, "the route needs a solved challenge in `altcha`; fetch one first"),
    (ChallengeFailed, "the `altcha` solution is wrong, forged or expired; solve a new one"),
    (common.Unauthenticated, "the route needs a bearer token and none came"),
    (InvalidToken, "the bearer token was refused"),
    (common.Forbidden, "the caller's role may not do this"),
    (common.NotFound, "no such route, or no such thing"),
    (MethodNotAllowed, "the route does not take this method; see the Allow header"),
    (common.Conflict, "the request conflicts with the current state"),
    (IdempotencyKeyReused, "the Idempotency-Key came before with another request"),
    (common.Gone, "the thing existed but is gone"),
    (PayloadTooLarge, "the body is larger than GATEWAY.max_body_bytes"),
    (UnsupportedMediaType, "the body is not application/json"),
    (common.LengthRequired, "a streamed body came without its Content-Length"),
    (RateLimited, "too many requests from your address; see the Retry-After header"),
    (InternalError, "a bug; quote the X-Correlation-ID when reporting it"),
    (common.ServiceUnavailable, "a service needed did not answer in time or cannot reach its data"),
)
CODES: dict[str, tuple[int, str]] = {kind.code: (kind.http_status, when) for kind, when in _KNOWN}

GENERIC_MESSAGE = "Something went wrong on our side. Quote the X-Correlation-ID to report it."


@dataclass(frozen=True)
class ApiError:
    status: int
    code: str
    message: str
    details: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def _from_service_error(error: ServiceError) -> ApiError:
    return ApiError(error.http_status, error.code, error.message, error.details)


def _not_found(_error: http.NotFound) -> ApiError:
    return ApiError(404, common.NotFound.code, "There is no such route.")


def _method_not_allowed(error: http.MethodNotAllowed) -> ApiError:
    allowed = sorted(error.valid_methods or ())
    return _from_service_error(
        MethodNotAllowed("This route does not take that method.", {"allowed": allowed})
    )


def _too_large(_error: http.RequestEntityTooLarge) -> ApiError:
    return _from_service_error(PayloadTooLarge("The body is too large."))


def _other_http(error: http.HTTPException) -> ApiError:
    # werkzeug raises few others while routing; none of them is the caller's business
    if (error.code or 500) >= 500:
        return _internal(error)
    return _from_service_error(BadRequest(str(error.description or error.name)))


def _shutting_down(_error: ContainerBeingKilled) -> ApiError:
    return _from_service_error(common.ServiceUnavailable("The gateway is shutting down."))


def _internal(_error: BaseException) -> ApiError:
    return _from_service_error(InternalError(GENERIC_MESSAGE))


# first match wins; order from the most to the least specific
TABLE: tuple[tuple[type[BaseException], Callable[[Any], ApiError]], ...] = (
    (ServiceError, _from_service_error),
    (http.NotFound, _not_found),
    (http.MethodNotAllowed, _method_not_allowed),
    (http.RequestEntityTooLarge, _too_large),
    (http.HTTPException, _other_http),
    (ContainerBeingKilled, _shutting_down),
    # an exception a service did not declare: a bug over there; its traceback stays there
    (RemoteError, _internal),
    (Exception, _internal),
)

_CHALLENGES = {
    common.Unauthenticated.code: 'Bearer realm="rathaus-online"',
    InvalidToken.code: 'Bearer realm="rathaus-online", error="invalid_token"',
}


def describe(error: BaseException) -> ApiError:
    """The HTTP answer to `error`, from the table."""
    for kind, translate in TABLE:
        if isinstance(error, kind):
            answer = translate(error)
            break
    else:  # pragma: no cover - Exception catches everything raised here
        answer = _internal(error)
    return ApiError(
        answer.status, answer.code, answer.message, answer.details, _headers_for(answer)
    )


def _headers_for(answer: ApiError) -> dict[str, str]:
    headers = dict(answer.headers)
    if answer.code in _CHALLENGES:
        headers["WWW-Authenticate"] = _CHALLENGES[answer.code]
    if answer.code == MethodNotAllowed.code and isinstance(answer.details, dict):
        headers["Allow"] = ", ".join(answer.details.get("allowed", ()))
    if answer.code == RateLimited.code and isinstance(answer.details, dict):
        headers["Retry-After"] = str(answer.details["retry_after"])
    return headers
