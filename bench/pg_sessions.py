"""How many PostgreSQL connections a run opened to one database: pg_stat_database.sessions
(PostgreSQL 14 and later) before and after, read from another connection once the run's
processes have closed theirs (a backend reports its session when it ends at the latest).

A pool that keeps its connections opens a handful per process; one that closes what it
lends beyond its size opens one per busy moment, each a backend started for a transaction.
"""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.engine import make_url

from services.common.migrations import server_engine

SETTLE = 10.0  # seconds to wait for the run's backends to end and report


def sessions(url: str) -> int | None:
    """Sessions opened so far to the database of `url`; None off PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    engine = server_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text("SELECT sessions FROM pg_stat_database WHERE datname = :name"),
                {"name": parsed.database},
            ).scalar()
    finally:
        engine.dispose()
    return int(found or 0)


def settled(url: str) -> int | None:
    """`sessions` once no backend is connected to the database any more (or SETTLE s)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    engine = server_engine(url)
    deadline = time.monotonic() + SETTLE
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                connected = connection.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                    {"name": parsed.database},
                ).scalar_one()
            if connected == 0:
                break
            time.sleep(0.1)
    finally:
        engine.dispose()
    return sessions(url)
