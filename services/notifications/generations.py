"""The generation of each kind of setting that taking an event reads: a number bumped in the
transaction of every change, which tells each instance that what it keeps of that kind
(services/notifications/lookups.py) is stale."""

from __future__ import annotations

from typing import cast

from sqlalchemy import CursorResult, Table, update
from sqlalchemy.orm import Session

from services.common.database import insert_ignoring_duplicates
from services.notifications.models import GenerationRow

TEMPLATES = "templates"
SUBSCRIPTIONS = "subscriptions"
PREFERENCES = "preferences"
KINDS = (TEMPLATES, SUBSCRIPTIONS, PREFERENCES)

_TABLE = cast(Table, GenerationRow.__table__)


def changed(session: Session, kind: str) -> None:
    """Say, in the transaction of a change, that what instances keep of `kind` is stale."""
    bump = update(_TABLE).where(_TABLE.c.kind == kind).values(generation=_TABLE.c.generation + 1)
    if cast(CursorResult, session.execute(bump)).rowcount == 1:
        return
    # a database made from the models rather than the migrations has no row yet
    first = insert_ignoring_duplicates(session, _TABLE)
    if cast(CursorResult, session.execute(first, {"kind": kind, "generation": 1})).rowcount == 0:
        session.execute(bump)  # another transaction made the row meanwhile
