"""A case's statuses and the moves between them: rules, no I/O.

Each action moves a case to one status, if the type's transitions allow it from the current
one; otherwise it is refused with the statuses that are allowed. A closed case (completed or
withdrawn) takes nothing but a reopen.
"""

from __future__ import annotations

from services.applications.catalogue import ApplicationType
from services.applications.errors import CaseClosed, IllegalTransition

# action -> the status it moves the case to
ACTIONS = {
    "start_review": "in_review",
    "request_information": "information_requested",
    "answer": "in_review",
    "approve": "approved",
    "reject": "rejected",
    "complete": "completed",
    "withdraw": "withdrawn",
    "reopen": "in_review",
}
# who may take a move: the citizen answers and withdraws their own case, the office the rest
CITIZEN_ACTIONS = ("answer", "withdraw")
OFFICE_ACTIONS = tuple(action for action in ACTIONS if action not in CITIZEN_ACTIONS)


def target_of(kind: ApplicationType, status: str, action: str) -> str:
    target = ACTIONS[action]
    allowed = kind.transitions.get(status, ())
    if kind.statuses[status].final and action != "reopen":
        raise CaseClosed(
            "The case is closed and takes no changes.", {"status": status, "allowed": list(allowed)}
        )
    if target not in allowed or (action == "reopen" and not kind.statuses[status].final):
        raise IllegalTransition(
            f"A case in {status} cannot be moved to {target}.",
            {"status": status, "action": action, "allowed": list(allowed)},
        )
    return target


def allowed_actions(
    kind: ApplicationType, status: str, among: tuple[str, ...] = tuple(ACTIONS)
) -> list[str]:
    """The moves among `among` that the type allows from `status`."""
    moves = []
    for action in among:
        try:
            target_of(kind, status, action)
        except (CaseClosed, IllegalTransition):
            continue
        moves.append(action)
    return moves
