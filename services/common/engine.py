"""SQLAlchemy engines that cooperate with eventlet, on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import sqlite3
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import eventlet
from eventlet.semaphore import Semaphore
from nameko import config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError

from services.common.errors import ServiceUnavailable
from services.common.settings import section

# nameko's own default, where the configuration names none
DEFAULT_MAX_WORKERS = 10
# connections beyond one per worker: the outbox relay's, and a margin for whatever else a
# service runs beside its workers, so that its pool never has to overflow
POOL_HEADROOM = 5


@dataclass(frozen=True)
class PoolSettings:
    """How many PostgreSQL connections one engine keeps (`DATABASE_POOL`, DB_POOL_*).

    The pool keeps `size` connections open once used; beyond them it opens up to
    `max_overflow` more, and closes each of those as soon as it is returned. So `size`
    must cover the service's concurrency (its `max_workers` and the relay): otherwise every
    busy moment opens and closes connections, each a PostgreSQL backend started for one
    transaction. The default follows `max_workers`.
    """

    size: int
    max_overflow: int = 10
    recycle: int = 1800  # seconds: reconnect before a proxy or firewall drops an idle one
    timeout: float = 30.0  # seconds a worker waits for a connection when all are in use
    # seconds a new connection may take to be made: a database host that does not answer
    # (dropped packets, a failover's stale address) is then away, not a worker held forever
    connect_timeout: float = 10.0
    # seconds a pooled connection may rest before it is pinged when taken (0: every time)
    ping_after: float = 1.0

    @classmethod
    def from_config(cls) -> PoolSettings:
        pool = section("DATABASE_POOL")
        max_workers = int(config.get("max_workers") or DEFAULT_MAX_WORKERS)
        defaults = cls(size=max_workers + POOL_HEADROOM)

        def setting(key: str, default: float) -> float:
            value = pool.get(key)
            return default if value is None or value == "" else float(value)

        return cls(
            size=int(setting("size", defaults.size)),
            max_overflow=int(setting("max_overflow", defaults.max_overflow)),
            recycle=int(setting("recycle", defaults.recycle)),
            timeout=setting("timeout", defaults.timeout),
            connect_timeout=setting("connect_timeout", defaults.connect_timeout),
            ping_after=setting("ping_after", defaults.ping_after),
        )


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
    pool = PoolSettings.from_config()
    engine = create_engine(
        make_url(url).set(drivername="postgresql+psycopg2"),
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_recycle=pool.recycle,
        pool_timeout=pool.timeout,
    )
    _connect_within(engine, pool.connect_timeout)
    _ping_when_rested(engine, pool.ping_after)
    return engine


_RESTED_SINCE = "rathaus_rested_since"


def _ping_when_rested(engine: Engine, seconds: float) -> None:
    """Ping a pooled connection when it is taken after resting `seconds` or more; a dead
    one is replaced before anyone uses it.

    A connection in steady use is not pinged: that round trip on every transaction cost
    the event pipeline an eighth of its throughput. A connection that rested may have been
    cut meanwhile (a database restart, a firewall's idle timeout). One used moments before
    a restart fails its transaction, as the transactions under way did: that is the
    database away (503, an event retried later), and the engine then replaces every
    connection of its pool made before.
    """
    from psycopg2 import Error as DriverError

    @event.listens_for(engine.pool, "checkin")
    def _resting(_driver_connection, record):
        if record is not None:
            record.info[_RESTED_SINCE] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _ping_if_rested(driver_connection, record, _proxy):
        since = record.info.get(_RESTED_SINCE)
        if since is None or time.monotonic() - since < seconds:
            return  # new, or in use moments ago
        try:
            engine.dialect.do_ping(driver_connection)
        except DriverError as error:
            # the pool replaces it with a new connection (up to three times)
            raise DisconnectionError(f"a rested connection was cut: {error}") from error


def _connect_within(engine: Engine, seconds: float) -> None:
    """Give up on a new connection after `seconds`, as a connection refused.

    libpq's own `connect_timeout` does not apply here: psycogreen makes every connection
    asynchronous, and an asynchronous connection's time is the caller's to watch.
    """
    from psycopg2 import OperationalError

    @event.listens_for(engine, "do_connect")
    def _within(dialect, _record, cargs, cparams):
        timed_out = OperationalError(f"no connection to the database within {seconds:g} s")
        with eventlet.Timeout(seconds, timed_out):
            return dialect.connect(*cargs, **cparams)


def database_away(error: BaseException) -> bool:
    """Whether a failed statement met a database that is away rather than a mistake: down,
    restarting, refusing connections, out of them, or locked (a try later may succeed). A bug's
    SQL error is none of these: SQLite reports a missing table as an OperationalError too."""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:  # the connection broke under the statement
        return True
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        return any(sign in str(original) for sign in ("locked", "unable to open"))
    # PostgreSQL's connection, resource, shutdown and rollback classes (08, 53, 57, 40)
    return type(original).__module__.startswith("psycopg2") and any(
        kind.__name__ == "OperationalError" for kind in type(original).__mro__
    )


def unavailable_if_away(error: BaseException, service: str) -> ServiceUnavailable | None:
    """What a service answers for a failure that met its database away: the request was not
    wrong, and a try later may succeed (every creating operation is safe to repeat)."""
    if not database_away(error):
        return None
    return ServiceUnavailable(
        "The service cannot reach its data at the moment. Please try again shortly.",
        {"service": service},
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
