"""The audit trail: who changed what, when, and how it read before and after.

Each service that lets administrators change its data keeps an `audit_trail` table in its
own database (a migration of its own adds it: `create_audit_table`) and writes a row in
the same transaction as the change, so that no change commits without its record and no
record stands for a change that rolled back. Who comes from the verified caller (subject
and name from the signed assertion), never from the request's content.

    audit.record(tx.session, caller, now, entity="location", key="rathaus",
                 before=old_view, after=new_view)

Rows are never updated or deleted by the service; each service answers them through an
`audit_trail` RPC for the pages that show an administrator what was changed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from marshmallow import Schema, fields, validate
from sqlalchemy import JSON, Column, Index, MetaData, String, Table, select
from sqlalchemy.orm import Session

from services.common.identity import Caller
from services.common.loading import Strict
from services.common.tables import NAMING_CONVENTION, AutoId, UtcDateTime

audit_metadata = MetaData(naming_convention=NAMING_CONVENTION)

ENTITY_LENGTH = 50
KEY_LENGTH = 200
MAX_PAGE = 200


def trail_table(name: str, metadata: MetaData) -> Table:
    """The trail's table under a name: `audit_trail` where the name is free; a service whose
    `audit_trail` already means something else (documents: every read of a document) keeps
    administrators' changes under another name, in the same shape."""
    table = Table(
        name,
        metadata,
        Column("id", AutoId, primary_key=True),
        Column("at", UtcDateTime, nullable=False),
        Column("actor", String(200), nullable=False),
        Column("actor_name", String(200), nullable=True),
        # what was changed: the kind of thing ("location", "template") and its key
        Column("entity", String(ENTITY_LENGTH), nullable=False),
        Column("key", String(KEY_LENGTH), nullable=False),
        # created, changed, removed, or a verb of the service's own ("resent")
        Column("action", String(30), nullable=False),
        Column("before", JSON, nullable=True),
        Column("after", JSON, nullable=True),
    )
    Index(f"ix_{name}_entity_id", table.c.entity, table.c.id)
    return table


audit_trail = trail_table("audit_trail", audit_metadata)

CREATED, CHANGED, REMOVED = "created", "changed", "removed"


def record(
    session: Session,
    caller: Caller,
    now: datetime,
    *,
    entity: str,
    key: str,
    before: Any,
    after: Any,
    action: str | None = None,
    table: Table = audit_trail,
) -> bool:
    """Write one change in the caller's transaction; False (and nothing written) when the
    thing reads the same after as before: a save that changes nothing is no change."""
    if action is None:
        action = CREATED if before is None else REMOVED if after is None else CHANGED
    if action == CHANGED and before == after:
        return False
    session.execute(
        table.insert().values(
            at=now,
            actor=caller.subject or "anonymous",
            actor_name=caller.name,
            entity=entity,
            key=key[:KEY_LENGTH],
            action=action,
            before=before,
            after=after,
        )
    )
    return True


class AuditQuery(Strict):
    """Which changes to read: of some kinds of thing, of one key, newest first, in pages."""

    entities = fields.List(
        fields.String(validate=validate.Length(1, ENTITY_LENGTH)),
        load_default=None,
        validate=validate.Length(max=20),
    )
    key = fields.String(load_default=None, validate=validate.Length(1, KEY_LENGTH))
    limit = fields.Integer(strict=True, load_default=20, validate=validate.Range(1, MAX_PAGE))
    before = fields.Integer(
        strict=True,
        load_default=None,
        validate=validate.Range(min=1),
        metadata={"description": "next_cursor of the previous page"},
    )


class AuditChange(Schema):
    """One change an administrator made, as the trail shows it."""

    change_id = fields.Integer(required=True)
    at = fields.String(required=True, metadata={"description": "when, UTC, ISO 8601"})
    actor = fields.String(required=True, metadata={"description": "who (their account)"})
    actor_name = fields.String(required=True, allow_none=True)
    entity = fields.String(required=True, metadata={"description": 'e.g. "location"'})
    key = fields.String(required=True, metadata={"description": "which one of them"})
    action = fields.String(required=True, metadata={"description": "created, changed, removed"})
    before = fields.Raw(required=True, allow_none=True, metadata={"description": "null: new"})
    after = fields.Raw(required=True, allow_none=True, metadata={"description": "null: gone"})
    changed_fields = fields.List(fields.String(), required=True)


class AuditPage(Schema):
    """A page of the trail, newest first: the answer of every service's `audit_trail`."""

    changes = fields.List(fields.Nested(AuditChange), required=True)
    next_cursor = fields.Integer(
        required=True, allow_none=True, metadata={"description": "`before` of the next page"}
    )


def changes(session: Session, query: dict[str, Any], table: Table = audit_trail) -> dict[str, Any]:
    """A page of the trail, newest first; `next_cursor` reads the page after it."""
    statement = select(table).order_by(table.c.id.desc()).limit(query["limit"] + 1)
    if query["entities"]:
        statement = statement.where(table.c.entity.in_(query["entities"]))
    if query["key"]:
        statement = statement.where(table.c.key == query["key"])
    if query["before"]:
        statement = statement.where(table.c.id < query["before"])
    rows = session.execute(statement).mappings().all()
    shown = rows[: query["limit"]]
    return {
        "changes": [view(row) for row in shown],
        "next_cursor": shown[-1]["id"] if len(rows) > query["limit"] else None,
    }


def view(row: Any) -> dict[str, Any]:
    return {
        "change_id": row["id"],
        "at": row["at"].isoformat(),
        "actor": row["actor"],
        "actor_name": row["actor_name"],
        "entity": row["entity"],
        "key": row["key"],
        "action": row["action"],
        "before": row["before"],
        "after": row["after"],
        "changed_fields": changed_fields(row["before"], row["after"]),
    }


def changed_fields(before: Any, after: Any) -> list[str]:
    """The top-level fields whose values differ (all of them when one side is missing)."""
    if not isinstance(before, dict) and not isinstance(after, dict):
        return []
    old, new = before or {}, after or {}
    return sorted(name for name in {*old, *new} if old.get(name) != new.get(name))


def create_audit_table(name: str = "audit_trail") -> None:
    """The audit trail table as it was when each service's migration added it: spelled out,
    so that a later change needs a migration."""
    op.create_table(
        name,
        sa.Column("id", AutoId, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=True),
        sa.Column("entity", sa.String(length=ENTITY_LENGTH), nullable=False),
        sa.Column("key", sa.String(length=KEY_LENGTH), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
    )
    op.create_index(f"ix_{name}_entity_id", name, ["entity", "id"])


def drop_audit_table(name: str = "audit_trail") -> None:
    op.drop_index(f"ix_{name}_entity_id", table_name=name)
    op.drop_table(name)
