"""Pages of newest-first lists (the inbox, the delivery log), continued from a cursor.

The cursor is the last item's id: the next page holds what is older than it, by creation
time and then id. An unknown cursor gives an empty page, not the list from the start.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.orm import Session


def older_than(session: Session, model: Any, cursor: str) -> Any:
    anchor = session.get(model, cursor)
    if anchor is None:
        return model.id.is_(None)
    return or_(
        model.created_at < anchor.created_at,
        and_(model.created_at == anchor.created_at, model.id < anchor.id),
    )
