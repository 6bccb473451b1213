"""Throwaway databases for one bench run: a temporary SQLite folder, or PostgreSQL
databases under a unique prefix that are dropped afterwards."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator

from sqlalchemy import text
from sqlalchemy.engine import make_url

from services.common.migrations import drop_databases, server_engine

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_server_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def postgres_problem(server_url: str) -> str | None:
    try:
        engine = server_engine(server_url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:
        return str(error).splitlines()[0]
    return None


@contextlib.contextmanager
def sqlite_base_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="rathaus-bench-") as folder:
        yield f"sqlite:///{folder}/bench.db"


@contextlib.contextmanager
def postgres_base_url(server_url: str) -> Iterator[str]:
    prefix = f"rathaus_bench_{uuid.uuid4().hex[:8]}"
    try:
        yield make_url(server_url).set(database=prefix).render_as_string(hide_password=False)
    finally:
        drop_databases(server_url, prefix)
