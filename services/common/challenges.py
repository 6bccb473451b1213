"""Spent proof-of-work solutions: each buys one submission, in the service that takes it.

The gateway checks that a solution is valid (services/gateway/challenge.py) but keeps no
state; the service that takes the submission records the solution's id in the same
transaction, so a solution used twice is refused however many gateways there are.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, String, delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from services.common.database import insert_ignoring_duplicates
from services.common.errors import ServiceError, service_error
from services.common.tables import UtcDateTime

# how long a spent solution is remembered: far longer than any challenge can be solved in
# (CHALLENGE.expires_seconds), so a solution can't come back once it is forgotten
SPENT_KEPT = timedelta(days=2)


@service_error("challenge_spent", 400)
class ChallengeSpent(ServiceError):
    """The proof-of-work solution was used already; solve a new challenge."""


class SpentChallengeColumns:
    """Mixed into a service's own model of its spent solutions."""

    __tablename__ = "spent_challenges"

    challenge: Mapped[str] = mapped_column(String(128), primary_key=True)
    spent_at: Mapped[datetime] = mapped_column(UtcDateTime)


def spend(
    session: Session, model: type[SpentChallengeColumns], challenge: str | None, now: datetime
) -> None:
    """Record the solution as spent; refused when it was spent before. None: nothing asked."""
    if challenge is None:
        return
    statement = insert_ignoring_duplicates(session, model.__table__)  # type: ignore[attr-defined]
    inserted = session.execute(statement, {"challenge": challenge, "spent_at": now})
    if cast(CursorResult, inserted).rowcount == 0:
        raise ChallengeSpent("This proof of work was used already; solve a new challenge.")


def forget_spent(session: Session, model: type[SpentChallengeColumns], before: datetime) -> None:
    """Solutions spent before `before` (when any challenge then issued has expired)."""
    session.execute(delete(model).where(model.spent_at < before))
