"""Whose cases a clerk works: the cases of their departments' application types.

Each application type names the department whose clerks work it (types.yaml); a clerk's
departments come with their signed identity. A clerk reaches the cases of the types of
their departments and no other (none without a department); an administrator reaches every
case. The worklist lists only what is in reach, and a case out of reach is not found, so
that nothing of another department's queue shows, not even that a case exists.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.applications.catalogue import ApplicationType
from services.common.context import Caller
from services.common.reach import Reach, department_reach


def reach_of(caller: Caller, kinds: Iterable[ApplicationType]) -> Reach:
    """The application types whose cases the caller works; None for every type."""
    return department_reach(caller).narrowed({kind.key: kind.department for kind in kinds})


__all__ = ["Reach", "reach_of"]
