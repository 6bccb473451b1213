"""Whose reports and ideas a clerk works: those of their departments.

Each category routes its items to a department (town.yaml); a clerk's departments come
with their signed identity. A clerk works the items of their departments and no other
(none without a department); an administrator works every item. For a clerk, an item of
another department is what it is to the public: listed nowhere in the office's lists,
shown in its public view, and not found when hidden or when an office move names it.
"""

from __future__ import annotations

from services.common.context import Caller
from services.common.reach import Reach, department_reach

# the departments whose items the caller works; None for every department
reach_of = department_reach


def works_on(caller: Caller, department: str) -> bool:
    """Whether the caller works items of the department (as the office)."""
    return reach_of(caller).covers(department)


__all__ = ["Reach", "reach_of", "works_on"]
