"""Which part of a service's work a caller reaches: the mechanism behind "a clerk works the
items of their departments, an administrator works all".

A clerk's departments come with their signed identity (services/common/identity.py). Each
service says what belongs to which department (an application type, a report's category)
and asks `department_reach(caller)`, narrowed to its own keys where its items are filed
under something else. What is out of reach is listed nowhere and not found by its id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.common.context import Caller

SEES_ALL = "admin"
WORKS_BY_DEPARTMENT = "clerk"


@dataclass(frozen=True)
class Reach:
    """The keys (departments, or what belongs to them) the caller works; None for all."""

    keys: frozenset[str] | None

    def covers(self, key: str) -> bool:
        return self.keys is None or key in self.keys

    @property
    def nothing(self) -> bool:
        return self.keys is not None and not self.keys

    def narrowed(self, department_of: Mapping[str, str]) -> Reach:
        """The reach over the keys of `department_of` whose department is in reach."""
        if self.keys is None:
            return self
        return Reach(
            frozenset(key for key, department in department_of.items() if self.covers(department))
        )


def department_reach(caller: Caller) -> Reach:
    """The departments the caller works: every one for an administrator, their own for a
    clerk (none without a department), none for anyone else."""
    if caller.role == SEES_ALL:
        return Reach(None)
    if caller.role == WORKS_BY_DEPARTMENT:
        return Reach(frozenset(caller.departments))
    return Reach(frozenset())
