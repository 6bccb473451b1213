"""The desk at a day of 2,000 appointments: the server time of the desk's list, and how long
a call takes to reach the hall's display, measured in the browser.

The platform runs as one process, as `make run` starts it (bench/portal_platform.py), in
the run's vhost, with a display key for the town hall, on SQLite and then on PostgreSQL
(unless --no-postgres). A day of --desk-day
appointments at the town hall is written into its appointments database in bulk (most
expected, some waiting with tickets, some called, served or not come), then:

1. Server time: a clerk signed in on the development sign-in page opens desk 1's list,
   `requests` with keep-alive, one request after another, --desk-requests times after a
   few unmeasured ones, each read in full: HTTP to the gateway, the desk_board RPC (counts
   per part, a page of 25, the visit at the desk, the day's pace), rendering. Each part of
   the list, and a page deep in the expected ones. Against the raw AMQP request/reply of
   the same run.
2. Call to display: bench/staff_desk_browser.py in a process of its own (Playwright does not
   run under eventlet), in Debian's Chromium: the desk's page and the hall's display side by
   side; --desk-calls times the desk presses N (call the next) and the display's own
   clock notes when the call appears; then S (served).

    python -m bench.staff_desk [--desk-requests 200] [--desk-day 2000] [--desk-calls 50]
                               [--no-postgres]
"""

from __future__ import annotations

import warnings

warnings.simplefilter("ignore")  # eventlet's deprecation notice, among others

import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything opens a socket

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

from sqlalchemy import insert, select  # noqa: E402

from bench import databases  # noqa: E402
from bench.portal_pages import HTTP_TIMEOUT, timed_page  # noqa: E402
from bench.portal_platform import platform  # noqa: E402
from bench.processes import REPO  # noqa: E402
from bench.report import Latency, rpc_table, verdict  # noqa: E402
from bench.staff_cases import signed_in  # noqa: E402
from bench.standalone import main_against_raw_rpc  # noqa: E402
from services.appointments.models import (  # noqa: E402
    AppointmentRow,
    CapacityRow,
    LocationRow,
    OfferRow,
    TicketCounter,
)
from services.appointments.opening import day_bounds  # noqa: E402
from services.common.engine import create_service_engine  # noqa: E402
from services.common.local_time import OFFICE_TIMEZONE  # noqa: E402
from services.common.settings import amqp_uri, derive_database_url  # noqa: E402

TARGET_P99_MS = 100.0  # the desk's list at a day of 2,000 appointments
TARGET_CALL_MS = 1000.0  # a call on the hall's display, median and p99
LOCATION = "rathaus"
DISPLAY_KEY = "bench-display"
OFFICE = "buergerbuero"  # the department the demo town files the desks under
BROWSER_TIMEOUT = 900.0
# how the seeded day stands: (status, share)
DAY = (
    ("confirmed", 0.70),
    ("checked_in", 0.15),
    ("called", 0.02),
    ("completed", 0.10),
    ("no_show", 0.03),
)


def seed_day(url: str, appointments: int, rng: random.Random) -> dict[str, int]:
    """Today's appointments at the town hall, across its services, in one transaction."""
    engine = create_service_engine(url)
    now = datetime.now(UTC)
    today = now.astimezone(OFFICE_TIMEZONE).date()
    first, end = day_bounds(today)
    with engine.begin() as connection:
        place = connection.scalar(select(LocationRow.id).where(LocationRow.key == LOCATION))
        offers = connection.execute(
            select(OfferRow.id, OfferRow.duration_units)
            .join(CapacityRow, CapacityRow.offer_id == OfferRow.id)
            .where(CapacityRow.location_id == place)
        ).all()
        statuses = [status for status, _ in DAY]
        rows, counts, ticket = [], dict.fromkeys(statuses, 0), 0
        weights = [share for _, share in DAY]
        for number in range(appointments):
            offer, units = rng.choice(offers)
            start = first + (number * (end - first - 60)) // appointments
            status = rng.choices(statuses, weights)[0]
            counts[status] += 1
            arrived = status != "confirmed"
            ticket += arrived
            came_late = status == "no_show" and rng.random() < 0.5  # called, then did not come
            called = status in ("called", "completed") or came_late
            rows.append(
                {
                    "id": str(uuid.uuid4()),
                    "offer_id": offer,
                    "location_id": place,
                    "desk": number % 6,
                    "desk_units": units,
                    "start_minute": start,
                    "end_minute": start + units * 15,
                    "status": status,
                    "name": f"Bench Bürger {number}",
                    "email": f"bench{number}@example.org",
                    "email_key": f"bench{number}@example.org",
                    "language": "de",
                    "created_at": now - timedelta(days=3),
                    "confirmed_at": now - timedelta(days=3),
                    "checked_in_at": now - timedelta(minutes=rng.randint(5, 90))
                    if arrived
                    else None,
                    "called_at": now - timedelta(minutes=rng.randint(1, 4)) if called else None,
                    "finished_at": now if status in ("completed", "no_show") else None,
                    # desk 1 is the bench's own: it starts the day with nobody called to it
                    "called_desk": rng.randint(2, 6) if called else None,
                    "ticket": ticket if arrived else None,
                    "walk_in": False,
                    "sequence": 0,
                    # the reminders went out the day before: none is due during the run
                    "reminder_sent_at": now - timedelta(days=1),
                }
            )
        connection.execute(insert(AppointmentRow), rows)
        connection.execute(
            insert(TicketCounter), {"location_id": place, "day": today.isoformat(), "last": ticket}
        )
    engine.dispose()
    return counts


def desk_pages() -> list[tuple[str, str]]:
    base = f"/staff/desk?location={LOCATION}&desk=1"
    return [
        ("waiting (the desk's default)", f"{base}&section=waiting"),
        ("expected, first page of 25", f"{base}&section=expected"),
        ("expected, page 20", f"{base}&section=expected&page=20"),
        ("served", f"{base}&section=served"),
        ("statistics of the day", f"/staff/desk/statistics?location={LOCATION}"),
    ]


def in_the_browser(url: str, calls: int) -> dict:
    """bench/staff_desk_browser.py in a process without eventlet; its one line of JSON."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.staff_desk_browser",
            "--url",
            url,
            "--location",
            LOCATION,
            "--key",
            DISPLAY_KEY,
            "--calls",
            str(calls),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the desk's browser bench failed:\n{done.stderr[:3000]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(uri: str, appointments: int, requests_: int, calls: int, database: str | None):
    """The pages and the calls; the platform on SQLite, or on the PostgreSQL base URL
    `database`."""
    overrides = {"DATABASE_URL": database} if database else {}
    with platform(uri, DESK_DISPLAY_KEYS=f"{LOCATION}={DISPLAY_KEY}", **overrides) as place:
        url = derive_database_url(place.env["DATABASE_URL"], "appointments")
        counts = seed_day(url, appointments, random.Random(17))
        measured = []
        with signed_in(place.url, "bench-desk", "clerk", OFFICE) as session:
            first = session.get(f"{place.url}{desk_pages()[0][1]}", timeout=HTTP_TIMEOUT).text
            if f"Wartend ({counts['checked_in']})" not in first:
                raise RuntimeError("the desk's list does not show the seeded day")
            for label, path in desk_pages():
                measured.append((label, timed_page(session, f"{place.url}{path}", requests_)))
        seen = in_the_browser(place.url, calls)
    return measured, counts, seen


def engines(pg_problem: str | None) -> Iterator[tuple[str, str | None]]:
    """(name, PostgreSQL base URL or None for SQLite) of each run, the databases dropped after."""
    yield "SQLite", None
    if pg_problem is not None:
        print(f"\nPostgreSQL left out: {pg_problem}")
        return
    with databases.postgres_base_url(databases.postgres_server_url()) as base_url:
        yield "PostgreSQL", base_url


def run(args: argparse.Namespace, pg_problem: str | None, raw: Latency) -> bool:
    began = time.monotonic()
    passed = True
    for engine, database in engines(pg_problem):
        passed = report(args, engine, raw, database) and passed
    print(f"staff desk bench: {time.monotonic() - began:.0f} s")
    return passed


def report(args: argparse.Namespace, engine: str, raw: Latency, database: str | None) -> bool:
    """One engine's run, printed: the pages' table and targets, then the calls'."""
    pages, counts, seen = measure(
        amqp_uri(), args.desk_day, args.desk_requests, args.desk_calls, database
    )
    day = ", ".join(f"{count:,} {status}" for status, count in counts.items())
    rows = [("raw AMQP request/reply (kombu, same process)", raw), *pages]
    title = f"Desk pages, {engine}, at a day of {args.desk_day:,} appointments: GET -> HTML"
    print()
    print(rpc_table(rows, raw, title=title))
    print(
        f"the platform as `make run` starts it (one process, {engine}); the day: {day};\n"
        "the client is `requests` with keep-alive, one page after another, each read in full"
    )
    passed = True
    for label, latency in pages:
        fast = latency.p99_ms < TARGET_P99_MS
        passed = passed and fast
        print(
            f"target: {engine} desk {label} p99 < {TARGET_P99_MS:g} ms: "
            f"{latency.p99_ms:.1f} ms {verdict(fast)}"
        )
    took = Latency.of([ms / 1000 for ms in seen["call_ms"]])
    print(
        f"\nCall to display, in Chromium: the desk presses N, the display's clock notes the "
        f"call;\n{len(seen['call_ms'])} calls: median {took.median_ms:.0f} ms, "
        f"p99 {took.p99_ms:.0f} ms, max {max(seen['call_ms']):.0f} ms"
    )
    for name, value in (("median", took.median_ms), ("p99", took.p99_ms)):
        quick = value < TARGET_CALL_MS
        passed = passed and quick
        print(
            f"target: {engine} call reaches the display, {name} < {TARGET_CALL_MS:g} ms: "
            f"{value:.0f} ms {verdict(quick)}"
        )
    return passed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--desk-requests", type=int, default=200, help="per desk page")
    parser.add_argument("--desk-day", type=int, default=2000, help="appointments that day")
    parser.add_argument("--desk-calls", type=int, default=50, help="calls timed in the browser")


def main(argv: list[str] | None = None) -> int:
    return main_against_raw_rpc(argv, "python -m bench.staff_desk", __doc__, add_arguments, run)


if __name__ == "__main__":
    sys.exit(main())
