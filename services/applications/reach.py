"""Whose cases a clerk works: the cases of their departments' application types.

Each application type names the department whose clerks work it (types.yaml); a clerk's
departments come with their signed identity. A clerk reaches the cases of the types of
their departments and no other (none without a department); an administrator reaches every
case. The worklist lists only what is in reach, and a case out of reach is not found, so
that nothing of another department's queue shows, not even that a case exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.applications.catalogue import ApplicationType
from services.common.context import Caller

SEES_ALL = "admin"
WORKS_BY_DEPARTMENT = "clerk"


@dataclass(frozen=True)
class Reach:
    """The application types whose cases the caller works; None for every type."""

    types: frozenset[str] | None

    def covers(self, application_type: str) -> bool:
        return self.types is None or application_type in self.types

    @property
    def nothing(self) -> bool:
        return self.types is not None and not self.types


def reach_of(caller: Caller, kinds: Iterable[ApplicationType]) -> Reach:
    if caller.role == SEES_ALL:
        return Reach(None)
    if caller.role == WORKS_BY_DEPARTMENT:
        departments = set(caller.departments)
        return Reach(frozenset(kind.key for kind in kinds if kind.department in departments))
    return Reach(frozenset())
