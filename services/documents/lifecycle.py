"""A document's status: draft -> final -> archived; erasure ends every status."""

from __future__ import annotations

from services.common.transitions import Transitions

OFFICE_MOVES = Transitions.of("document", {"draft": ("final",), "final": ("archived",)})
# a citizen may finalise their own draft; archiving is the office's decision
CITIZEN_MOVES = Transitions.of("document", {"draft": ("final",)})


def check_status_change(current: str, wanted: str, *, office: bool) -> None:
    """Pass when the status stays as it is or the caller may move it; else `illegal_transition`."""
    if wanted == current:
        return
    moves = OFFICE_MOVES if office else CITIZEN_MOVES
    moves.check(current, wanted, f"A {current} document cannot become {wanted}.", status=current)
