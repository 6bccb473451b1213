"""Whose reports and ideas a clerk works: those of their departments.

Each category routes its items to a department (town.yaml); a clerk's departments come
with their signed identity. A clerk works the items of their departments and no other
(none without a department); an administrator works every item. For a clerk, an item of
another department is what it is to the public: listed nowhere in the office's lists,
shown in its public view, and not found when hidden or when an office move names it.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.context import Caller

SEES_ALL = "admin"
WORKS_BY_DEPARTMENT = "clerk"


@dataclass(frozen=True)
class Reach:
    """The departments whose items the caller works; None for every department."""

    departments: frozenset[str] | None

    def covers(self, department: str) -> bool:
        return self.departments is None or department in self.departments

    @property
    def nothing(self) -> bool:
        return self.departments is not None and not self.departments


def reach_of(caller: Caller) -> Reach:
    if caller.role == SEES_ALL:
        return Reach(None)
    if caller.role == WORKS_BY_DEPARTMENT:
        return Reach(frozenset(caller.departments))
    return Reach(frozenset())


def works_on(caller: Caller, department: str) -> bool:
    """Whether the caller works items of the department (as the office)."""
    return reach_of(caller).covers(department)
