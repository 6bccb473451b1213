"""Asking the documents service about a citizen's document on their behalf."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.common.errors import ServiceError

# a document as the documents service describes it to its owner; raises when not theirs
Lookup = Callable[[str], dict[str, Any]]
# what the documents service answers for a document that is not the caller's to see
_NOT_THEIRS = ("document_not_found", "not_found", "forbidden")


def owned_document(
    lookup: Lookup, document_id: str, refusal: type[ServiceError], message: str
) -> dict[str, Any]:
    """The caller's document; `refusal` when it is someone else's or does not exist."""
    try:
        return lookup(document_id)
    except ServiceError as error:
        if error.code in _NOT_THEIRS:
            raise refusal(message, {"document_id": document_id}) from None
        raise
