"""What the use cases ask outside this service's database, as the types they expect.

The service passes its dependencies (the catalogue, the documents service's RPC proxy);
a test passes hand-written fakes of the same shape.
"""

from __future__ import annotations

from typing import Any, Protocol

from services.applications.catalogue import Types
from services.applications.reach import Reach, reach_of
from services.common.context import Caller


class Documents(Protocol):
    """The documents service, asked on the caller's behalf."""

    def get_document(self, document_id: str) -> dict[str, Any]:
        """The caller's document with its versions; refused when it is not theirs."""
        ...

    def preview_decision_letter(self, facts: dict[str, Any]) -> dict[str, Any]:
        """The decision letter these facts would issue, as a PDF (base64); nothing stored."""
        ...


def reach(caller: Caller, types: Types) -> Reach:
    """The application types whose cases the caller works (their departments')."""
    return reach_of(caller, types.values())


__all__ = ["Documents", "Types", "reach"]
