"""A case's statuses and the moves between them: rules, no I/O.

Each action moves a case to one status, if its type's transitions (types.yaml) allow it
from the current one; otherwise it is refused with `illegal_transition` and the statuses
that are allowed. A closed case (completed or withdrawn) takes nothing but a reopen, and
only a closed case is reopened.
"""

from __future__ import annotations

from services.applications.catalogue import ApplicationType
from services.applications.errors import CaseClosed
from services.applications.models import CaseRow
from services.common.transitions import IllegalTransition, Transitions, refusal

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
# the moves that decide a case; each issues a decision letter
DECISIONS = ("approve", "reject")


def transitions(kind: ApplicationType) -> Transitions:
    """The type's state machine, as types.yaml writes it."""
    return Transitions.of("case", kind.transitions)


def target_of(kind: ApplicationType, status: str, action: str) -> str:
    """The status `action` moves a case in `status` to; refused when the type forbids it."""
    target = ACTIONS[action]
    moves = transitions(kind)
    closed = kind.statuses[status].final
    if closed and action != "reopen":
        raise CaseClosed(
            "The case is closed and takes no changes.",
            {"status": status, "allowed": moves.allowed(status)},
        )
    message = f"A case in {status} cannot be moved to {target}."
    if action == "reopen" and not closed:
        # the table holds in_review from submitted too: a reopen is for closed cases only
        raise refusal(
            "case", status, target, moves.allowed(status), message, status=status, action=action
        )
    moves.check(status, target, message, status=status, action=action)
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


def awaits_answer(row: CaseRow) -> bool:
    """The office asked the citizen something they have not answered yet."""
    return row.open_request is not None
