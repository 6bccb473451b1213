"""The plumbing tables every service keeps in its own database (outbox, inbox, idempotency
keys), and UTC times."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
)

plumbing_metadata = MetaData()

# every service's tables name their constraints and indexes alike, so that Alembic's
# batch operations on SQLite and migrations on PostgreSQL find them by name
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL; INTEGER on SQLite, where only that is the autoincrementing rowid
AutoId = BigInteger().with_variant(Integer, "sqlite")

outbox = Table(
    "outbox",
    plumbing_metadata,
    # BIGINT on PostgreSQL; plain INTEGER on SQLite so that it is the autoincrementing rowid
    Column("id", AutoId, primary_key=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("source", String(64), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("message", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
)
Index(
    "ix_outbox_unpublished",
    outbox.c.id,
    postgresql_where=outbox.c.published_at.is_(None),
    sqlite_where=outbox.c.published_at.is_(None),
)

inbox = Table(
    "inbox",
    plumbing_metadata,
    Column("event_id", String(36), primary_key=True),
    Column("handler", String(200), primary_key=True),
    Column("handled_at", DateTime(timezone=True), nullable=False),
)
# the hourly sweep forgets the oldest rows by it (services/common/database.forget_handled)
Index("ix_inbox_handled_at", inbox.c.handled_at)


class UtcDateTime(TypeDecorator):
    """An aware UTC datetime on every database (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UtcDateTime takes aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# a table of its own metadata: the outbox's and inbox's first migrations create every table
# of theirs, and this one came later, with a migration of its own in each service
idempotency_metadata = MetaData(naming_convention=NAMING_CONVENTION)
IDEMPOTENCY_KEY_LENGTH = 200

idempotency_keys = Table(
    "idempotency_keys",
    idempotency_metadata,
    Column("caller", String(200), primary_key=True),
    Column("operation", String(100), primary_key=True),
    Column("key", String(IDEMPOTENCY_KEY_LENGTH), primary_key=True),
    # SHA-256 of the request; null for keys remembered before fingerprints (any request)
    Column("fingerprint", String(64), nullable=True),
    Column("resource_id", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_idempotency_keys_created_at", idempotency_keys.c.created_at)
