"""Alembic for every service: each service keeps its own migrations in `migrations/`.

`upgrade(service)` creates the service's database if it is missing (PostgreSQL) and applies
its migrations. A service's `migrations/env.py` only names its metadata and calls `run_env`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import Engine, MetaData, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, ProgrammingError

from services.common.engine import create_service_engine
from services.common.tables import idempotency_metadata, plumbing_metadata


def alembic_config(service_name: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", f"services.{service_name}:migrations")
    config.attributes["database_url"] = url
    return config


def upgrade(service_name: str, url: str, revision: str = "head") -> None:
    ensure_database_exists(url)
    command.upgrade(alembic_config(service_name, url), revision)


@dataclass(frozen=True)
class MigrationState:
    """Where a service's database stands against the migrations of this release."""

    current: tuple[str, ...]  # the revisions the database is at; () when it has no schema
    wanted: tuple[str, ...]  # this release's heads
    known: bool  # every current revision is one of this release's (else a later release's)

    @property
    def done(self) -> bool:
        """At this release's heads, or at revisions of a later release: the previous
        release's code runs on the next one's schema (expand, then contract)."""
        return bool(self.current) and (set(self.current) == set(self.wanted) or not self.known)


def migration_state(service_name: str, url: str) -> MigrationState:
    """Read, never change: which revisions `url` is at and which this release wants."""
    script = ScriptDirectory.from_config(alembic_config(service_name, url))
    wanted = tuple(script.get_heads())
    if not _database_exists(url):
        return MigrationState((), wanted, True)
    engine = create_service_engine(url)
    try:
        with engine.connect() as connection:
            current = tuple(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    known = all(_revision_known(script, revision) for revision in current)
    return MigrationState(current, wanted, known)


def _revision_known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except (RevisionError, CommandError):  # a revision of a release this one never saw
        return False


def _database_exists(url: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return True  # SQLite: opening the file is creating it, and it then has no schema
    server = server_engine(url)
    try:
        with server.connect() as connection:
            found = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            ).scalar()
            return bool(found)
    finally:
        server.dispose()


def server_engine(url: str) -> Engine:
    """The PostgreSQL server behind `url`, reached through its maintenance database."""
    return create_engine(
        make_url(url).set(drivername="postgresql+psycopg2", database="postgres"),
        isolation_level="AUTOCOMMIT",
    )


def ensure_database_exists(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return
    server = server_engine(url)
    try:
        with server.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            ).scalar()
            if not exists:
                # several instances starting at once race to create it; one wins, all go on
                with contextlib.suppress(IntegrityError, ProgrammingError):
                    connection.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    finally:
        server.dispose()


def drop_databases(server_url: str, prefix: str) -> None:
    """Drop every database whose name starts with `prefix` (throwaway databases of a run)."""
    server = server_engine(server_url)
    try:
        with server.connect() as connection:
            names = connection.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"),
                {"prefix": f"{prefix}%"},
            ).scalars()
            for name in list(names):
                connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        server.dispose()


def create_tables(url: str, *metadatas: MetaData) -> None:
    """Create tables straight from metadata, with the plumbing's, for services that have no
    migrations of their own (the tests' and the benchmarks' services)."""
    ensure_database_exists(url)
    engine = create_service_engine(url)
    try:
        for metadata in (*metadatas, plumbing_metadata, idempotency_metadata):
            metadata.create_all(engine)
    finally:
        engine.dispose()


def run_env(service_metadata: Sequence[MetaData] = ()) -> None:
    """The body of every service's `migrations/env.py` (online migrations only)."""
    url = context.config.attributes["database_url"]
    engine = create_service_engine(url)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=[*service_metadata, plumbing_metadata, idempotency_metadata],
                render_as_batch=engine.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                if engine.dialect.name == "postgresql":
                    # instances of one service starting together migrate one after another;
                    # the later ones find the schema at head and do nothing
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": url}
                    )
                context.run_migrations()
    finally:
        engine.dispose()


def create_plumbing_tables() -> None:
    """The outbox and inbox tables as they were at a service's first migration."""
    plumbing_metadata.create_all(context.get_bind())


def drop_plumbing_tables() -> None:
    plumbing_metadata.drop_all(context.get_bind())


def index_inbox_by_handled_at() -> None:
    """The inbox's index for its sweep. A database made since has it from its first migration
    (`create_plumbing_tables` creates what the tables are now), hence IF NOT EXISTS. Made
    without CONCURRENTLY (a migration is one transaction): writes to the inbox wait while a
    large one is indexed."""
    op.create_index("ix_inbox_handled_at", "inbox", ["handled_at"], if_not_exists=True)


def drop_inbox_index() -> None:
    op.drop_index("ix_inbox_handled_at", table_name="inbox", if_exists=True)


def create_idempotency_table() -> None:
    """The idempotency keys table (services/common/idempotency.py) as it was when each
    service's migration added it: spelled out, so that a later change needs a migration."""
    op.create_table(
        "idempotency_keys",
        sa.Column("caller", sa.String(length=200), nullable=False),
        sa.Column("operation", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("resource_id", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("caller", "operation", "key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def drop_idempotency_table() -> None:
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
