"""Webhook subscriptions: event types, filters on public attributes, a callback and a secret.

Filters may name only attributes the event makes public, so no subscription can select
events by personal data (a filter on a personal number once leaked who had a case).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.context import Caller
from services.common.events import InvalidEvent
from services.notifications import generations
from services.notifications.catalogue import SOURCES, contract_of
from services.notifications.errors import SubscriptionNotFound, UnknownAttribute, UnknownEventType
from services.notifications.models import SubscriptionRow


def check_events_and_filters(spec: dict[str, Any]) -> None:
    unknown: list[str] = []
    public: frozenset[str] = frozenset()
    for event_type in spec["event_types"]:
        try:
            if event_type.partition(".")[0] not in SOURCES:
                raise InvalidEvent(event_type)
            contract = contract_of(event_type)
        except InvalidEvent:
            unknown.append(event_type)
            continue
        public = contract.public if not public else public & contract.public
    if unknown:
        raise UnknownEventType(
            "No such event type is published; see docs/events.md.", {"unknown": unknown}
        )
    strangers = sorted(set(spec["filters"]) - public)
    if strangers:
        raise UnknownAttribute(
            "Filters may name only attributes every subscribed event makes public.",
            {"unknown": strangers, "public": sorted(public)},
        )


def add(session: Session, spec: dict[str, Any], caller: Caller, now: datetime) -> str:
    row = SubscriptionRow(
        id=str(uuid.uuid4()),
        event_types=sorted(set(spec["event_types"])),
        filters=dict(spec["filters"]),
        callback_url=spec["callback_url"],
        secret=spec["secret"],
        created_at=now,
        created_by=caller.subject,
    )
    session.add(row)
    session.flush()
    generations.changed(session, generations.SUBSCRIPTIONS)
    return row.id


def view_of(session: Session, subscription_id: str) -> dict[str, Any]:
    """A subscription by its id, removed or not (what an admin's create answered)."""
    return view(session.get_one(SubscriptionRow, subscription_id))


def active(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(SubscriptionRow)
        .where(SubscriptionRow.removed_at.is_(None))
        .order_by(SubscriptionRow.created_at)
    ).all()
    return [view(row) for row in rows]


def remove(session: Session, subscription_id: str, now: datetime) -> None:
    row = session.get(SubscriptionRow, subscription_id)
    if row is None or row.removed_at is not None:
        raise SubscriptionNotFound(
            "There is no such subscription.", {"subscription_id": subscription_id}
        )
    row.removed_at = now
    generations.changed(session, generations.SUBSCRIPTIONS)


def secret_of(session: Session, subscription_id: str) -> str | None:
    row = session.get(SubscriptionRow, subscription_id)
    return None if row is None or row.removed_at is not None else row.secret


def view(row: SubscriptionRow) -> dict[str, Any]:
    return {
        "subscription_id": row.id,
        "event_types": row.event_types,
        "filters": row.filters,
        "callback_url": row.callback_url,
        "created_at": row.created_at.isoformat(),
        "created_by": row.created_by,
    }
