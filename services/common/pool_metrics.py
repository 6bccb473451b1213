"""Database pool use per service, from SQLAlchemy's pool events.

A pool that is always fully checked out makes workers wait for a connection (and, past
`pool_size + max_overflow`, fail after the pool timeout); connections opened and closed at
a high rate mean overflow connections made and thrown away, each a PostgreSQL backend
started for one transaction. Both show here, per service, summed over its engines in the
process.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge
from sqlalchemy import Engine, event

CHECKED_OUT = Gauge(
    "rathaus_db_pool_checked_out",
    "Connections taken from the pool and not yet returned.",
    ["service"],
)
POOL_SIZE = Gauge(
    "rathaus_db_pool_size",
    "Connections the pool keeps open (pool_size).",
    ["service"],
)
POOL_MAX_OVERFLOW = Gauge(
    "rathaus_db_pool_max_overflow",
    "Connections the pool may open beyond its size, closed again when returned.",
    ["service"],
)
OPENED = Counter(
    "rathaus_db_connections_opened_total",
    "Database connections the pool opened.",
    ["service"],
)
CLOSED = Counter(
    "rathaus_db_connections_closed_total",
    "Database connections the pool closed (overflow returned, recycled, invalidated).",
    ["service"],
)


def watch_pool(engine: Engine, service: str) -> None:
    """Count `engine`'s pool under `service`; its size and overflow until it is disposed."""
    pool = engine.pool
    size = pool.size() if hasattr(pool, "size") else 1
    max_overflow = max(getattr(pool, "_max_overflow", 0), 0)
    POOL_SIZE.labels(service).set(size)
    POOL_MAX_OVERFLOW.labels(service).set(max_overflow)
    checked_out = CHECKED_OUT.labels(service)
    opened, closed = OPENED.labels(service), CLOSED.labels(service)

    event.listen(pool, "checkout", lambda *_: checked_out.inc())
    event.listen(pool, "checkin", lambda *_: checked_out.dec())
    event.listen(pool, "connect", lambda *_: opened.inc())
    event.listen(pool, "close", lambda *_: closed.inc())
    event.listen(pool, "close_detached", lambda *_: closed.inc())
