"""Appointments: free slots with 50,000 bookings on the books, and a rush of 1,000 bookings.

    python -m bench.appointments [--queries 200] [--wide-queries 10] [--rush 1000]
                                 [--no-postgres]

Per database engine, in a fresh database: the catalogue of bench/appointments_seed.py and
50,000 confirmed bookings in the 90 days from today (bulk inserts). Then

1. availability of the ID card over those 90 days, at one location (the 10 in turn) and
   at all 10 at once, asked one query after another: of the domain function with its
   database reads (the service not yet running; the days kept in `free_days`), and in
   turn with it of the full computation from every desk minute that it replaced, which
   must answer the same; of the service over RPC (half as many queries: that row only
   splits the gateway's share from the service's), and of the gateway over HTTP
   (`requests`, keep-alive). On the first engine also the domain function with its reads
   answered from memory: putting the kept days together and formatting alone;
2. a rush: 1,000 clients, each with its own connection, e-mail address and solved ALTCHA
   challenge, send a hold at the same moment for the first slot of a day past the 90 days
   at every location: 10 locations x 10 online desks = 100 places. Afterwards the
   database must hold exactly those 100 appointments, each on desk minutes of its own.

The gateway and the appointments service run in this process (one ServiceRunner), with
the other benches' worker limit; the clients run in it too. The rate limits are raised
out of the way and the challenges made small (CHALLENGE.max_number), which changes what a
client spends solving, not what the gateway spends verifying. A queue takes the service's
events, as the notifications service's would.
"""

from __future__ import annotations

import warnings

warnings.simplefilter("ignore")  # eventlet's deprecation notice, among others

import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything opens a socket (run on its own)

import argparse  # noqa: E402
import collections  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402

import requests  # noqa: E402
from kombu import Connection, Queue  # noqa: E402
from nameko import config  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko.standalone.events import get_event_exchange  # noqa: E402
from nameko.standalone.rpc import ClusterRpcClient  # noqa: E402
from sqlalchemy import and_, func, or_, select  # noqa: E402
from sqlalchemy.orm import Session, aliased, sessionmaker  # noqa: E402

from bench import appointments_load as load  # noqa: E402
from bench import appointments_seed as seed  # noqa: E402
from bench import databases  # noqa: E402
from bench.report import Latency, Throughput, rpc_table, rush_table, verdict  # noqa: E402
from bench.service_rpc import BENCH_AUTH, free_port  # noqa: E402
from bench.standalone import main_against_raw_rpc  # noqa: E402
from services.appointments import lifecycle  # noqa: E402
from services.appointments.models import AppointmentRow, DeskTime, LocationRow, OfferRow  # noqa: E402
from services.appointments.opening import day_bounds, local_date_of, to_minute  # noqa: E402
from services.appointments.service import AppointmentsService  # noqa: E402
from services.appointments.slots import slot_starts  # noqa: E402
from services.appointments.store import location_of, offer_of  # noqa: E402
from services.appointments.views import iso  # noqa: E402
from services.common.engine import create_service_engine  # noqa: E402
from services.common.logging import configure_logging  # noqa: E402
from services.common.migrations import upgrade  # noqa: E402
from services.common.settings import amqp_uri, database_url  # noqa: E402
from services.gateway.service import GatewayService  # noqa: E402
from tests.support.databases import database_transaction  # noqa: E402

SEEDED = 50_000
TARGET_P99_MS = 100.0  # availability through the gateway

BENCH_CHALLENGE = {
    "hmac_key": "bench-hmac-key-of-at-least-32-characters",
    "max_number": 1000,
    "expires_seconds": 600,
}
EVENTS_QUEUE = "bench.appointments.events"  # in the run's throwaway vhost
_UNLIMITED = {"per_minute": 60_000_000, "burst": 1_000_000}
BENCH_RATE_LIMITS = {"availability": _UNLIMITED, "booking": _UNLIMITED}


@dataclass(frozen=True)
class Availability:
    slots: int  # in one answer
    size: int  # bytes of one answer over HTTP
    domain: Latency
    in_full: Latency  # the full computation from every desk minute, as before the days kept
    pure: Latency | None  # measured on one engine only: it reads nothing
    rpc: Latency
    http: Latency


@dataclass(frozen=True)
class Rush:
    places: int
    run: Throughput  # the attempts, from the first sent to the last answered
    outcomes: collections.Counter[str]
    check: str
    correct: bool


@dataclass(frozen=True)
class Run:
    engine: str
    seeded: seed.Seeded
    one: Availability  # one location per query, the 10 in turn
    every: Availability  # all 10 locations in one query
    rush: Rush


Scopes = dict[str, tuple[list[load.Query], int]]  # name -> (queries, warm-up queries)


def measure(
    engine: str, base_url: str, queries: int, wide_queries: int, attempts: int, pure_too: bool
) -> Run:
    port = free_port()
    settings = {
        "DATABASE_URL": base_url,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "AUTH": BENCH_AUTH,
        "CHALLENGE": BENCH_CHALLENGE,
        "RATE_LIMITS": BENCH_RATE_LIMITS,
    }
    with config.patch(settings):
        _listen_to_events()
        url = database_url(AppointmentsService.name)
        upgrade(AppointmentsService.name, url)
        now = datetime.now(UTC)
        today = local_date_of(to_minute(now))
        seed.put_catalogue(url, now)
        seeded = seed.seed_bookings(url, SEEDED, today, now)
        scopes = _scopes(today, queries, wide_queries)

        # the domain function before the service starts: two engines on one SQLite file in
        # one process would wait for each other's lock inside C, the eventlet hub stalled
        # the kept days and the full computation taking turns, query by query, so that
        # what else runs on the machine weighs on both alike
        with load.domain(url) as ask, load.domain(url, in_full=True) as ask_in_full:
            domain, in_full = {}, {}
            for name, scope in scopes.items():
                domain[name], in_full[name] = load.timed_in_turn(ask, ask_in_full, *scope)
            slots = {name: _slot_count(ask(scope[0][0])) for name, scope in scopes.items()}
            same = all(ask(scope[0][0]) == ask_in_full(scope[0][0]) for scope in scopes.values())
        if not same:
            raise RuntimeError("the kept days answer otherwise than the full computation")
        pure: dict[str, list[float]] = {}
        if pure_too:
            with load.pure(url, [query for scope in scopes.values() for query in scope[0]]) as ask:
                pure = {name: load.timed(ask, *scope) for name, scope in scopes.items()}

        runner = ServiceRunner()
        runner.add_service(AppointmentsService)
        runner.add_service(GatewayService)
        runner.start()
        try:
            rpc, http, size = _ask_services(f"http://127.0.0.1:{port}", scopes)
            day, attempted = _rush(url, f"http://127.0.0.1:{port}", attempts)
        finally:
            runner.stop()
        check, stored_right = _check(url, day, attempted)

    def figures(name: str) -> Availability:
        return Availability(
            slots[name],
            size[name],
            Latency.of(domain[name]),
            Latency.of(in_full[name]),
            Latency.of(pure[name]) if name in pure else None,
            Latency.of(rpc[name]),
            Latency.of(http[name]),
        )

    places = len(seed.DISTRICTS) * seed.ONLINE_DESKS
    outcomes = collections.Counter(
        str(attempt.status) if attempt.code is None else f"{attempt.status} {attempt.code}"
        for attempt in attempted
    )
    answered_right = outcomes == {"201": places, "409 slot_taken": attempts - places}
    rush = Throughput(
        attempts,
        max(attempt.finished for attempt in attempted)
        - min(attempt.started for attempt in attempted),
        Latency.of([attempt.finished - attempt.started for attempt in attempted]),
        None,
    )
    return Run(
        engine,
        seeded,
        figures("one"),
        figures("every"),
        Rush(places, rush, outcomes, check, answered_right and stored_right),
    )


def _scopes(today: date, queries: int, wide_queries: int) -> Scopes:
    last = today + timedelta(days=seed.WINDOW_DAYS - 1)
    locations = seed.DISTRICTS
    return {
        "one": (
            [
                load.Query(seed.SERVICE, today, last, locations[number % len(locations)])
                for number in range(queries)
            ],
            len(locations),
        ),
        # warmed up by the single locations' queries
        "every": ([load.Query(seed.SERVICE, today, last, None)] * wide_queries, 0),
    }


def _ask_services(
    base: str, scopes: Scopes
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, int]]:
    """Availability over RPC and over HTTP: the timings, and an HTTP answer's size."""
    with ClusterRpcClient(timeout=60) as cluster:

        def over_rpc(query: load.Query):
            return cluster.appointments.availability(*query.rpc_arguments())

        # half as many: this row only tells the gateway's share from the service's
        rpc = {
            name: load.timed(over_rpc, queries[: max(1, len(queries) // 2)], warmup)
            for name, (queries, warmup) in scopes.items()
        }
    with requests.Session() as session:
        over_http = load.over_http(session, base)
        http = {name: load.timed(over_http, *scope) for name, scope in scopes.items()}
        size = {name: len(over_http(scope[0][0])) for name, scope in scopes.items()}
    return rpc, http, size


def _listen_to_events() -> None:
    """A queue for the service's events, where the notifications service would have one:
    without it every event published would be unroutable and parked, an extra publish."""
    exchange = get_event_exchange(AppointmentsService.name)
    with Connection(amqp_uri()) as connection:
        Queue(EVENTS_QUEUE, exchange=exchange, routing_key="#", durable=True)(
            connection.default_channel
        ).declare()


def _rush(url: str, base: str, attempts: int) -> tuple[date, list[load.Attempt]]:
    """All holds at once for the first slot of a day, at every location in turn."""
    day, start = _rush_slot(url)
    targets = [
        {
            "service": seed.SERVICE,
            "location": seed.DISTRICTS[number % len(seed.DISTRICTS)],
            "start": iso(start),
        }
        for number in range(attempts)
    ]
    return day, load.rush(base, load.prepare(base, targets))


def _rush_slot(url: str) -> tuple[date, int]:
    """The first working day after the seeded 90 days, and its first slot (read while the
    service runs in this process: through its gate, see tests/support/databases.py)."""
    with database_transaction(url) as connection:
        session = Session(connection)
        location = location_of(session.scalars(select(LocationRow)).first())
        offer = offer_of(session.scalar(select(OfferRow).where(OfferRow.key == seed.SERVICE)))
    first = local_date_of(to_minute(datetime.now(UTC))) + timedelta(days=seed.WINDOW_DAYS)
    day = seed.working_days(location, first, first + timedelta(days=14))[0]
    return day, next(slot_starts(location, offer, day))


def _check(url: str, day: date, attempted: list[load.Attempt]) -> tuple[str, bool]:
    """Exactly the holds answered 201 are in the database, and no desk minute is taken twice."""
    won = {attempt.appointment_id for attempt in attempted if attempt.appointment_id}
    engine = create_service_engine(url)
    try:
        with sessionmaker(engine)() as session, session.begin():
            first, past_last = day_bounds(day)
            active = AppointmentRow.status.in_(lifecycle.ACTIVE)
            held = set(
                session.scalars(
                    select(AppointmentRow.id).where(
                        active,
                        AppointmentRow.start_minute >= first,
                        AppointmentRow.start_minute < past_last,
                    )
                )
            )
            desk_rows, misplaced = session.execute(
                select(
                    func.count(),
                    func.count().filter(
                        or_(
                            DeskTime.desk != AppointmentRow.desk,
                            DeskTime.location_id != AppointmentRow.location_id,
                            DeskTime.minute < AppointmentRow.start_minute,
                            DeskTime.minute >= AppointmentRow.end_minute,
                            DeskTime.free_after.is_(None),  # a hold's rows carry its expiry
                        )
                    ),
                )
                .select_from(DeskTime)
                .join(AppointmentRow, AppointmentRow.id == DeskTime.appointment_id)
                .where(AppointmentRow.id.in_(held or {""}))
            ).one()
            wanted_rows = session.scalar(
                select(func.coalesce(func.sum(AppointmentRow.desk_units), 0)).where(
                    AppointmentRow.id.in_(held or {""})
                )
            )
            overlaps = session.scalar(_overlaps())
            total_active, total_units = session.execute(
                select(func.count(), func.sum(AppointmentRow.desk_units)).where(active)
            ).one()
            total_rows = session.scalar(
                select(func.count())
                .select_from(DeskTime)
                .join(AppointmentRow, AppointmentRow.id == DeskTime.appointment_id)
                .where(active)
            )
    finally:
        engine.dispose()
    correct = (
        held == won
        and len(won) == seed.ONLINE_DESKS * len(seed.DISTRICTS)
        and desk_rows == wanted_rows
        and misplaced == 0
        and overlaps == 0
        and total_active == SEEDED + len(won)
        and total_rows == total_units
    )
    check = (
        f"{len(held)} active on {day.isoformat()}, "
        f"{'the' if held == won else 'NOT the'} {len(won)} answered 201; "
        f"{desk_rows} desk minutes for them, {misplaced} misplaced;\n  all {total_active:,} "
        f"active appointments: {total_rows:,} desk minutes of {total_units:,} due, "
        f"{overlaps} overlapping on a desk"
    )
    return check, correct


def _overlaps():
    """Pairs of active appointments that share a desk at some minute, over the whole table."""
    a, b = aliased(AppointmentRow), aliased(AppointmentRow)
    active = lifecycle.ACTIVE
    return (
        select(func.count())
        .select_from(a)
        .join(
            b,
            and_(
                b.location_id == a.location_id,
                b.offer_id == a.offer_id,
                b.desk == a.desk,
                b.id != a.id,
                # b starts while a runs (or with it): one of each overlapping pair is found
                b.start_minute >= a.start_minute,
                b.start_minute < a.end_minute,
            ),
        )
        .where(a.status.in_(active), b.status.in_(active))
    )


# running and printing ---------------------------------------------------------------


def run(args: argparse.Namespace, pg_problem: str | None, raw: Latency) -> bool:
    """Measure on SQLite (and PostgreSQL where there is one), print, say if targets were met."""
    began = time.monotonic()
    counts = (args.queries, args.wide_queries, args.rush)
    with databases.sqlite_base_url() as base_url:
        runs = [measure("SQLite", base_url, *counts, pure_too=True)]
    if pg_problem is None:
        with databases.postgres_base_url(databases.postgres_server_url()) as base_url:
            runs.append(measure("PostgreSQL", base_url, *counts, pure_too=False))
    print_report(runs, raw, pg_problem)
    print(f"appointments bench: {time.monotonic() - began:.0f} s")
    return all(_fast(run_.one) and _fast(run_.every) and run_.rush.correct for run_ in runs)


def _fast(figures: Availability) -> bool:
    return figures.http.p99_ms <= TARGET_P99_MS


SCOPES = (("1 location", "one"), ("10 locations", "every"))


def print_report(runs: Sequence[Run], raw: Latency, pg_problem: str | None) -> None:
    first = runs[0]
    print(
        f"\nAppointments: the ID card at {len(seed.DISTRICTS)} locations, Mon-Fri 08:00-18:00, "
        f"15-minute slots, 30 minutes each,\n{seed.ONLINE_DESKS} of {seed.DESKS} desks online; "
        f"{first.seeded.bookings:,} bookings over the {first.seeded.working_days} working days "
        f"ahead ({first.seeded.occupancy:.0%} of online desk time)"
    )
    rows = [("raw AMQP request/reply (kombu, same process)", raw)]
    for scope, name in SCOPES:
        pure = getattr(first, name).pure
        if pure is not None:
            rows.append((f"{scope}: domain function, reads answered from memory", pure))
    for run_ in runs:
        for scope, name in SCOPES:
            figures = getattr(run_, name)
            rows += [
                (f"{run_.engine}, {scope}: full computation (before)", figures.in_full),
                (f"{run_.engine}, {scope}: domain function + DB reads", figures.domain),
                (f"{run_.engine}, {scope}: RPC -> appointments", figures.rpc),
                (f"{run_.engine}, {scope}: HTTP GET -> gateway -> RPC", figures.http),
            ]
    print(rpc_table(rows, raw, title="Availability over 90 days, one query at a time"))
    seeding = ", ".join(f"{run_.engine} {run_.seeded.seconds:.1f} s" for run_ in runs)
    print(
        f"an answer: {first.one.slots:,} slots ({first.one.size / 1e3:,.0f} kB) at 1 location, "
        f"{first.every.slots:,} ({first.every.size / 1e6:,.1f} MB) at all 10; "
        f"seeding: {seeding}\n"
        "domain function: availability.availability in a transaction, the service not running,\n"
        "reading the days kept (free_days); full computation (before): availability_in_full,\n"
        "every desk minute read and counted, timed in turn with it; reads answered from\n"
        "memory: the domain function with its queries answered in advance (putting the days\n"
        "together and formatting only); RPC: a standalone ClusterRpcClient; HTTP: `requests`,\n"
        f"keep-alive; 1 location: the 10 in turn; 10 locations: p99 is the slowest of "
        f"{first.every.http.count}"
    )
    if pg_problem is not None:
        print(f"PostgreSQL skipped: {pg_problem}")
    for run_ in runs:
        results = ", ".join(
            f"{scope} {getattr(run_, name).http.p99_ms:,.0f} ms "
            f"{verdict(_fast(getattr(run_, name)))}"
            for scope, name in SCOPES
        )
        print(
            f"target: {run_.engine} availability p99 via gateway < {TARGET_P99_MS:g} ms: {results}"
        )
    print()
    print(
        rush_table([(f"{run_.engine}: {run_.rush.places} places", run_.rush.run) for run_ in runs])
    )
    print(
        f"{first.rush.run.events:,} clients, each with its own connection (opened fetching its "
        "challenge),\ne-mail address and solved challenge (CHALLENGE.max_number "
        f"{BENCH_CHALLENGE['max_number']:,}), send a hold at once:\nthe first slot of a day "
        "past the 90, at every location; 10 locations x 10 online desks"
    )
    for run_ in runs:
        answers = ", ".join(
            f"{count} x {outcome}" for outcome, count in sorted(run_.rush.outcomes.items())
        )
        print(f"{run_.engine} answers: {answers}\n{run_.engine} database: {run_.rush.check}")
    for run_ in runs:
        print(
            f"correct: {run_.engine}, exactly {run_.rush.places} holds, the others slot_taken, "
            f"no desk minute twice: {'PASS' if run_.rush.correct else 'FAIL'}"
        )


def _slot_count(answer: dict[str, Any]) -> int:
    return sum(len(day["times"]) for place in answer["locations"] for day in place["days"])


# on its own ---------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--queries", type=int, default=200, help="availability, 1 location")
    parser.add_argument("--wide-queries", type=int, default=10, help="availability, all 10")
    parser.add_argument("--rush", type=int, default=1000, help="holds sent at once")


def main(argv: list[str] | None = None) -> int:
    """As `python -m bench` runs it: its worker limit, and answers not checked on each call."""
    configure_logging("console", "WARNING")
    logging.getLogger("nameko.containers").setLevel(logging.ERROR)
    os.environ["RPC_STRICT_ANSWERS"] = "false"
    settings = {
        "max_workers": 20,
        "RPC_TIMEOUT": 10,
        "CHALLENGE": BENCH_CHALLENGE,
        "RPC_STRICT_ANSWERS": False,
    }
    with config.patch(settings):
        return main_against_raw_rpc(
            argv, "python -m bench.appointments", __doc__, add_arguments, run
        )


if __name__ == "__main__":
    sys.exit(main())
