"""An appointment's statuses and the moves between them, for the citizen and at the desk.

held -> confirmed -> checked_in -> called -> completed
  |         |            |           '-----> no_show
  |         |            '-> (served without a call) completed
  |         +-> no_show (did not come)
  |         '-> cancelled
  '-> hold_expired | cancelled

The machine is written by action rather than as a status table: two actions may lead to
the same status from different ones (confirm: held -> confirmed; reschedule: confirmed ->
confirmed), and a table of statuses alone would let a second confirm through. A refused
move is the common `illegal_transition`, its `allowed` naming the actions the status has.
"""

from __future__ import annotations

from services.common.transitions import refusal

HELD = "held"
CONFIRMED = "confirmed"
CANCELLED = "cancelled"
HOLD_EXPIRED = "hold_expired"
CHECKED_IN = "checked_in"
CALLED = "called"
COMPLETED = "completed"
NO_SHOW = "no_show"

# statuses that keep a place and count against the per-citizen limit
ACTIVE = (HELD, CONFIRMED, CHECKED_IN, CALLED)

# action -> (the statuses it may start from, the status it leads to)
MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "confirm": ((HELD,), CONFIRMED),
    "cancel": ((HELD, CONFIRMED), CANCELLED),
    "reschedule": ((CONFIRMED,), CONFIRMED),
    "expire": ((HELD,), HOLD_EXPIRED),
    "check_in": ((CONFIRMED,), CHECKED_IN),
    # calling again is allowed: nobody came to the first call
    "call": ((CHECKED_IN, CALLED), CALLED),
    "serve": ((CHECKED_IN, CALLED), COMPLETED),
    "no_show": ((CONFIRMED, CHECKED_IN, CALLED), NO_SHOW),
}
DESK_ACTIONS = ("check_in", "call", "serve", "no_show")


def allowed_actions(status: str, among: tuple[str, ...] = tuple(MOVES)) -> list[str]:
    return [action for action in among if status in MOVES[action][0]]


def next_status(status: str, action: str, among: tuple[str, ...] = tuple(MOVES)) -> str:
    """The status `action` leads to from `status`; refuse a move the status does not allow."""
    sources, target = MOVES[action]
    if status not in sources:
        raise refusal(
            "appointment",
            status,
            target,
            allowed_actions(status, among),
            f"Not possible for an appointment that is {status.replace('_', ' ')}.",
            status=status,
            action=action,
        )
    return target
