"""One mechanism for every state machine: which moves a status allows, and one refusal.

A service writes its machine down as a table (`Transitions`) and asks it before it moves
a row; a move the table does not hold is refused with `illegal_transition` (409), its
details naming where the thing is, where it was asked to go and the moves it has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from services.common.errors import ServiceError, service_error


@service_error("illegal_transition", 409)
class IllegalTransition(ServiceError):
    """The thing is not in a status from which the asked move is allowed."""


@dataclass(frozen=True)
class Transitions:
    """A state machine's moves: for each status, the statuses it may go to."""

    what: str  # what moves, for the message: "appointment", "case", "report"
    moves: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, what: str, moves: Mapping[str, Iterable[str]]) -> Transitions:
        return cls(what, {status: frozenset(targets) for status, targets in moves.items()})

    def allowed(self, current: str) -> list[str]:
        """The statuses `current` may move to, sorted, for a page or an error's details."""
        return sorted(self.moves.get(current, ()))

    def may(self, current: str, target: str) -> bool:
        return target in self.moves.get(current, ())

    def check(
        self, current: str, target: str, message: str | None = None, **details: object
    ) -> None:
        """Refuse the move unless the table holds it."""
        if not self.may(current, target):
            raise refusal(self.what, current, target, self.allowed(current), message, **details)


def refusal(
    what: str,
    current: str,
    target: str,
    allowed: Iterable[str] = (),
    message: str | None = None,
    **details: object,
) -> IllegalTransition:
    """The one refusal of a move, for rules a table cannot say (a time limit, a lock)."""
    return IllegalTransition(
        message or f"A {what} that is {current} cannot become {target}.",
        {"from": current, "to": target, "allowed": sorted(allowed), **details},
    )
