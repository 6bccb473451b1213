"""Who may see and change a document: plain rules over the caller and the document.

A citizen sees their own documents, and nobody else learns that a citizen's document exists
(404, never 403). A clerk sees the documents filed in a case their role works on: a
document carries the role (`case_role`) that may read it, set when it is filed; a clerk
asking for another case's document is told no (403). Admins see everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.context import Caller
from services.common.errors import Forbidden
from services.documents.errors import DocumentNotFound

OFFICE = ("clerk", "admin")


@dataclass(frozen=True)
class Holding:
    """What the rules need to know of a document."""

    document_id: str
    owner: str | None
    case_role: str | None


def may_read(caller: Caller, holding: Holding) -> None:
    """Pass, or raise what the caller may be told."""
    if caller.role == "admin":
        return
    if caller.role == "citizen" or caller.role is None:
        if caller.subject is None or caller.subject != holding.owner:
            raise DocumentNotFound(
                "There is no such document.", {"document_id": holding.document_id}
            )
        return
    if holding.case_role is None or holding.case_role != caller.role:
        raise Forbidden(
            "This document is not filed in a case your role works on.",
            {"document_id": holding.document_id},
        )


def may_change(caller: Caller, holding: Holding) -> None:
    """Who reads a document may change its metadata and add versions; the office decides on
    status beyond final (see lifecycle)."""
    may_read(caller, holding)


def is_office(caller: Caller) -> bool:
    return caller.role in OFFICE
