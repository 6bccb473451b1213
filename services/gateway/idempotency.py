"""The `Idempotency-Key` header of every creating route, and how OpenAPI describes it.

`@keyed_api(...)` is `@api(...)` for a route that makes something: it documents the header
and the `idempotency_key_reused` refusal; the route passes `idempotency_key(request)` to
its service, which remembers the key (services/common/idempotency.py). A POST that makes
nothing new, or whose repeat changes nothing, says so in its description instead
(`RETRY_SAFE` starts that sentence), so that every POST tells a client whether a retry is
safe.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request

from services.common.idempotency import KEPT, IdempotencyKeyReused
from services.gateway.http import Route

HEADER = "Idempotency-Key"
# begins the sentence of a route's description that says why sending it again is harmless
RETRY_SAFE = "Safe to retry:"

PARAMETER: dict[str, Any] = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": (
        "Makes a retry safe: send a new random key (a UUID) with each new request, and the "
        "same key when sending it again after a lost answer. The same key with the same "
        "request answers what the first one made, with the same status, and makes nothing "
        f"new; with another request it is refused (409 `idempotency_key_reused`). Keys are "
        f"per caller and route and kept for {KEPT.total_seconds() / 3600:g} hours."
    ),
}


def idempotency_key(request: Request) -> str | None:
    """The key the client sent, as it sent it (the service checks it)."""
    return request.headers.get(HEADER)


class KeyedRoute(Route):
    """An `api` route that makes something and takes an `Idempotency-Key`."""

    def __init__(self, method: str, url: str, **kwargs) -> None:
        kwargs["errors"] = (*kwargs.get("errors", ()), IdempotencyKeyReused)
        super().__init__(method, url, **kwargs)
        self.header_parameters = (PARAMETER,)


keyed_api = KeyedRoute.decorator
