"""A test's own look into a service's database, waiting its turn as the service's own do.

A service in this process holds SQLite's write lock across greenthread switches; an engine
of the test's that waited for it inside C (its busy timeout) would stall the eventlet hub
and with it the holder: "database is locked" after five seconds. Through the services'
engine factory and the gate every engine on that database shares in this process, the test
waits cooperatively instead. On PostgreSQL this is just a transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import Connection

from services.common.engine import TransactionGate, create_service_engine


@contextlib.contextmanager
def database_transaction(url: str) -> Iterator[Connection]:
    """One transaction on the database at `url` (`database_url("<service>")`), committed
    when the block ends; a Session bound to the connection works inside it too."""
    engine = create_service_engine(url)
    try:
        with TransactionGate(engine).enter(), engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()
