"""Who may see and change a document: plain rules over the caller and the document.

A citizen sees their own documents, and nobody else learns that a citizen's document exists
(404, never 403). A clerk sees the documents filed in a case of their departments that
their role works on: a document carries the role (`case_role`) and the case's department
(`case_department`) that may read it, both set when it is filed (from the applications
service's event, the feedback report's, or the filing clerk's own department); a clerk
asking for another department's or another case's document is told no (403). A document
filed before departments were recorded names none: only admins read it until it is filed
into its case again. Admins see everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.context import Caller
from services.common.errors import Forbidden, InvalidInput
from services.common.identity import OFFICE
from services.documents.errors import DocumentNotFound


@dataclass(frozen=True)
class Holding:
    """What the rules need to know of a document."""

    document_id: str
    owner: str | None
    case_role: str | None
    case_department: str | None = None


def owns(citizen: str | None, owner: str | None) -> bool:
    """Whether the document (of `owner`) is the citizen's own: the one rule that lets a
    citizen read it, and that lets the platform file it for them."""
    return citizen is not None and owner == citizen


def may_read(caller: Caller, holding: Holding) -> None:
    """Pass, or raise what the caller may be told."""
    if caller.role == "admin":
        return
    if caller.role == "citizen" or caller.role is None:
        if not owns(caller.subject, holding.owner):
            raise DocumentNotFound(
                "There is no such document.", {"document_id": holding.document_id}
            )
        return
    if holding.case_role is None or holding.case_role != caller.role:
        raise Forbidden(
            "This document is not filed in a case your role works on.",
            {"document_id": holding.document_id},
        )
    if holding.case_department not in caller.departments:
        raise Forbidden(
            "This document is not filed in a case of your departments.",
            {"document_id": holding.document_id},
        )


def department_to_file(caller: Caller, named: str | None) -> str | None:
    """The department whose clerks read what the caller files into a case: an admin's as
    named (none: admins only); a clerk's one of their own, the only one when they name none.
    A clerk cannot open a document to another department's clerks, nor to their own one
    that the caller does not belong to."""
    if caller.role == "admin":
        return named
    if named is None and len(caller.departments) == 1:
        return caller.departments[0]
    if named is None:
        raise InvalidInput(
            "Name the department of the case (one of yours).", {"case_department": ["Required."]}
        )
    if named not in caller.departments:
        raise Forbidden(
            "Documents are filed only into cases of your departments.",
            {"case_department": named},
        )
    return named


def may_change(caller: Caller, holding: Holding) -> None:
    """Who reads a document may change its metadata and add versions; the office decides on
    status beyond final (see lifecycle)."""
    may_read(caller, holding)


def is_office(caller: Caller) -> bool:
    return caller.role in OFFICE
