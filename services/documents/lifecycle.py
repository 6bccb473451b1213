"""A document's status: draft -> final -> archived; erasure ends every status."""

from __future__ import annotations

from services.documents.errors import InvalidStatusChange

NEXT = {"draft": ("final",), "final": ("archived",), "archived": ()}
# a citizen may finalise their own draft; archiving is the office's decision
CITIZEN_MAY = {"final"}


def check_status_change(current: str, wanted: str, *, office: bool) -> None:
    if wanted == current:
        return
    allowed = NEXT.get(current, ())
    if not office:
        allowed = tuple(status for status in allowed if status in CITIZEN_MAY)
    if wanted not in allowed:
        raise InvalidStatusChange(
            f"A {current} document cannot become {wanted}.",
            {"status": current, "allowed": list(allowed)},
        )
