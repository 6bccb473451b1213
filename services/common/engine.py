"""SQLAlchemy engines that cooperate with eventlet, on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from pathlib import Path

from eventlet.semaphore import Semaphore
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def create_service_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return _postgresql_engine(url)


def _postgresql_engine(url: str) -> Engine:
    # psycopg2 would block the eventlet hub for the length of each query; psycogreen
    # makes it wait on the hub instead, so that workers' queries overlap.
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()
    return create_engine(
        make_url(url).set(drivername="postgresql+psycopg2"),
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


def _sqlite_engine(url: str) -> Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # let SQLAlchemy, not the sqlite3 module, decide when transactions begin
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # take the write lock up front: a deferred transaction that upgrades later can
        # fail with "database is locked" instead of waiting its turn
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


# one gate per SQLite database in this process, however many engines open it
_GATES: weakref.WeakValueDictionary[str, Semaphore] = weakref.WeakValueDictionary()


class TransactionGate:
    """Lets one transaction at a time into a SQLite database from this process.

    SQLite waits for its write lock inside C code, which would stall the whole eventlet hub,
    including the greenthread that holds the lock: a deadlock until the busy timeout. A
    greenthread-aware semaphore makes waiters yield instead. Every engine on the same
    database in this process (a second instance of a service, a test or a benchmark reading
    what a service wrote) shares the one gate: each has to pass it to wait its turn.
    PostgreSQL needs no gate.
    """

    def __init__(self, engine: Engine) -> None:
        self._semaphore = _gate_of(engine) if engine.dialect.name == "sqlite" else None

    @contextlib.contextmanager
    def enter(self) -> Iterator[None]:
        if self._semaphore is None:
            yield
            return
        with self._semaphore:
            yield


def _gate_of(engine: Engine) -> Semaphore:
    database = engine.url.database
    # one file reached by two spellings of its path is still one database
    key = str(Path(database).resolve()) if database and database != ":memory:" else str(engine.url)
    gate = _GATES.get(key)
    if gate is None:
        gate = _GATES[key] = Semaphore(1)
    return gate
