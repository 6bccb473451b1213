"""The staff workspace's worklist at 100,000 cases: each page's server time, as a clerk of one
department and as an administrator who sees every department.

The platform runs as one process, as `make run` starts it (bench/portal_platform.py), in
the run's vhost, on SQLite and then on PostgreSQL (unless --no-postgres); a year of
applications is seeded into its applications database in bulk (bench/applications_seed.py:
100,000 cases over the three types). A clerk of the traffic department (the parking
permits, half the cases) and an administrator sign in on the development sign-in page;
`requests` (keep-alive) asks each worklist page one request after another,
--staff-cases-requests times after a few unmeasured ones, each read in full: HTTP to the
gateway, the page's RPCs (the worklist scoped to the caller's departments; the application
types, kept a minute by the gateway), rendering. Against the raw AMQP request/reply
measured in the same run.

    python -m bench.staff_cases [--staff-cases-requests 200] [--staff-cases 100000]
                                [--no-postgres]
"""

from __future__ import annotations

import warnings

warnings.simplefilter("ignore")  # eventlet's deprecation notice, among others

import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything opens a socket

import argparse  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

import requests  # noqa: E402

from bench import applications_seed as seed  # noqa: E402
from bench import databases  # noqa: E402
from bench.portal_pages import HTTP_TIMEOUT, timed_page  # noqa: E402
from bench.portal_platform import platform  # noqa: E402
from bench.report import Latency, rpc_table, verdict  # noqa: E402
from bench.standalone import main_against_raw_rpc  # noqa: E402
from services.common.settings import amqp_uri, derive_database_url  # noqa: E402

TARGET_P99_MS = 100.0  # each worklist page, through the whole stack
# each page a clerk opens in a day: (label, query)
PAGES: tuple[tuple[str, dict[str, str]], ...] = (
    ("first page (oldest first)", {}),
    ("newest first", {"sort": "-submitted_at"}),
    ("status in_review", {"status": "in_review"}),
    ("overdue", {"overdue": "1"}),
    ("by due date", {"sort": "due_at"}),
)
CLERK_DEPARTMENTS = "traffic"


def signed_in(url: str, subject: str, role: str, departments: str = "") -> requests.Session:
    """A session signed in on the development sign-in page."""
    session = requests.Session()
    form = session.get(f"{url}/sign-in", timeout=HTTP_TIMEOUT).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = session.post(
        f"{url}/sign-in",
        data={
            "csrf_token": csrf,
            "subject": subject,
            "role": role,
            "departments": departments,
            "next": "/staff",
        },
        timeout=HTTP_TIMEOUT,
    )
    answer.raise_for_status()
    return session


def measure(
    uri: str, cases: int, requests_: int, database: str | None = None
) -> tuple[list[tuple[str, Latency]], str]:
    """Each page for the clerk and the admin; the platform on SQLite, or on the PostgreSQL
    base URL `database`."""
    overrides = {"DATABASE_URL": database} if database else {}
    with platform(uri, **overrides) as place:
        url = derive_database_url(place.env["DATABASE_URL"], "applications")
        now = datetime.now(UTC)
        seeded = seed.seed_cases(url, seed.plan(cases, now, random.Random(17)), now)
        measured = []
        for who, session in (
            (
                f"clerk ({CLERK_DEPARTMENTS})",
                signed_in(place.url, "bench-clerk", "clerk", CLERK_DEPARTMENTS),
            ),
            ("admin (all)", signed_in(place.url, "bench-admin", "admin")),
        ):
            with session:
                first = session.get(f"{place.url}/staff/cases", timeout=HTTP_TIMEOUT).text
                if "Aktenzeichen" not in first:
                    raise RuntimeError(f"the {who}'s worklist shows no cases")
                for label, query in PAGES:
                    path = f"/staff/cases?{urlencode(query)}" if query else "/staff/cases"
                    latency = timed_page(session, f"{place.url}{path}", requests_)
                    measured.append((f"{who}: {label}", latency))
    described = (
        f"{seeded.cases:,} cases ({seeded.open:,} open, {seeded.overdue:,} overdue), "
        f"seeded in {seeded.seconds:.0f} s"
    )
    return measured, described


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
        pages, seeded = measure(amqp_uri(), args.staff_cases, args.staff_cases_requests, database)
        rows = [("raw AMQP request/reply (kombu, same process)", raw), *pages]
        print()
        print(
            rpc_table(
                rows, raw, title=f"Staff worklist pages, {engine}, at {seeded}: HTTP GET -> HTML"
            )
        )
        print(
            f"the platform as `make run` starts it (one process, {engine}); pages of 25; the\n"
            "client is `requests` with keep-alive, one page after another, each read in full"
        )
        for label, latency in pages:
            fast = latency.p99_ms < TARGET_P99_MS
            passed = passed and fast
            print(
                f"target: {engine} {label} p99 < {TARGET_P99_MS:g} ms: {latency.p99_ms:.1f} ms "
                f"{verdict(fast)}"
            )
    print(f"staff cases bench: {time.monotonic() - began:.0f} s")
    return passed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--staff-cases-requests", type=int, default=200, help="per worklist page")
    parser.add_argument("--staff-cases", type=int, default=seed.CASES, help="cases seeded")


def main(argv: list[str] | None = None) -> int:
    return main_against_raw_rpc(argv, "python -m bench.staff_cases", __doc__, add_arguments, run)


if __name__ == "__main__":
    sys.exit(main())
