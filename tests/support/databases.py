"""A test's own look into a service's database, waiting its turn as the service's own do.

A service in this process holds SQLite's write lock across greenthread switches; an engine
of the test's that waited for it inside C (its busy timeout) would stall the eventlet hub
and with it the holder: "database is locked" after five seconds. Through the services'
engine factory and the gate every engine on that database shares in this process, the test
waits cooperatively instead. On PostgreSQL this is just a transaction.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from urllib.parse import urlparse

from sqlalchemy import Connection

from services.common.engine import TransactionGate, create_service_engine
from tests.support.tcp_relay import TcpRelay

# the PostgreSQL server the tests make their own databases on
POSTGRES_SERVER = os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def postgres_database_url(name: str) -> str:
    """The URL of the database `name` on the tests' PostgreSQL server."""
    return POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{name}"


@contextlib.contextmanager
def postgres_behind_a_relay(name: str | None = None) -> Iterator[tuple[TcpRelay, str]]:
    """The tests' PostgreSQL server through a relay the test closes (the database away, or
    restarted) and opens again; with the URL of the database `name` (by default the
    server's own) through it."""
    relay = TcpRelay(urlparse(POSTGRES_SERVER).port or 5432).open()
    url = urlparse(POSTGRES_SERVER)._replace(netloc=f"postgres@127.0.0.1:{relay.port}")
    if name is not None:
        url = url._replace(path=f"/{name}")
    try:
        yield relay, url.geturl()
    finally:
        relay.close()


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
