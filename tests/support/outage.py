"""A service's database away for a while, as in a restart: behind a TCP relay the test
closes and opens, and what the events did meanwhile."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from nameko import config

from services.common import dead_letters
from services.common.migrations import drop_databases
from tests.support.databases import POSTGRES_SERVER, postgres_behind_a_relay
from tests.support.tcp_relay import TcpRelay
from tests.support.waiting import wait_for


@contextlib.contextmanager
def database_behind_a_relay(service: str) -> Iterator[TcpRelay]:
    """`service`'s database on PostgreSQL through a relay the test closes (the database
    away) and opens (back)."""
    prefix = f"rathaus_test_away_{os.getpid()}"
    try:
        with (
            postgres_behind_a_relay(prefix) as (relay, database),
            config.patch({"DATABASES": {service: database}}),
        ):
            yield relay
    finally:
        drop_databases(POSTGRES_SERVER, prefix)


def awaited_database(logs: list[dict]) -> int:
    """How often an event has come back to wait for its database, at most."""
    waits = [e.get("awaited_database", 0) for e in logs if e["event"].endswith("retry")]
    return max(waits, default=0)


def wait_out_an_outage(logs: list[dict], times: int = 6) -> None:
    """Until events have come back `times` to wait for the database, well past the three
    retries a fault gets (FAST_RETRIES) before its dead letter, or were dead-lettered."""
    uri = config["AMQP_URI"]
    try:
        wait_for(
            lambda: awaited_database(logs) >= times or dead_letters.list_dead_letters(uri),
            timeout=30,
        )
    except AssertionError as stalled:
        seen = [(e["event"], e.get("error", "")[:80]) for e in logs[-10:]]
        raise AssertionError(f"{stalled}; the last lines logged: {seen}") from None
    assert dead_letters.list_dead_letters(uri) == []
