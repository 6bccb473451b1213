"""The workspace's areas, in the order the navigation shows them, each with who may open it."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.identity import ADMIN, OFFICE


@dataclass(frozen=True)
class Area:
    key: str  # staff.nav.<key> names it, staff.home.<key> says what it is for
    href: str
    roles: tuple[str, ...] = OFFICE


AREAS: tuple[Area, ...] = (
    Area("desk", "/staff/desk"),
    Area("cases", "/staff/cases"),
    Area("feedback", "/staff/feedback"),
    Area("admin", "/staff/admin", ADMIN),
)


def areas_for(role: str | None) -> list[Area]:
    """The areas a session may open: none for a citizen or a visitor."""
    return [area for area in AREAS if role in area.roles]
