"""Feedback: public reports in a map box at 100,000 reports, through the gateway; ratings
ingested through events.

On PostgreSQL, in a fresh database, 100,000 reports of two years are seeded in bulk
(bench/feedback_seed.py). The feedback service and the gateway then run as processes of
their own (the launcher, `--service` each); nothing else is needed: the map and the ratings
reach the feedback service alone, which calls the documents service only for the photos of
new reports (the gateway's /health would call the missing services unavailable: it is not
asked).

1. The map: `GET /api/v1/feedback/map?bbox=south,west,north,east&kind=report` through the
   gateway (`requests`, keep-alive, no sign-in: the map is public), pages of 200 (the
   default), one query at a time, for boxes of three sizes: a street (200 m) and a district
   (2 km), each at random places in town (half anywhere inside the boundary, half where
   reports are, so denser in the centre), and the whole town; then the whole town's second
   page via `next_cursor`. The same queries over RPC (`feedback.public_map` from a service
   in this process over `RemoteService`, as the gateway asks) and against the database
   alone: the statements the service sends, captured from `public_map.reports_in_box` in
   this process, run and fetched on one connection of the bench's own. The plan of each
   size's slowest statement, with EXPLAIN (ANALYZE, BUFFERS). The CPU each party used,
   read from /proc.
2. Ratings through events (bench/feedback_ratings.py): visits completed -> invitations to
   rate -> ratings through the gateway, per second, against raw kombu on the same broker.

The gateway's rate limits are raised (RATE_LIMIT_*_PER_MINUTE and _BURST): the bench is one
client address. OUTBOX_SWEEP_INTERVAL in the environment is passed on to the services.

    python -m bench.feedback_map [--map-queries 300] [--ratings 2000]
                                 [--rating-concurrency 8] [--no-postgres]
"""

from __future__ import annotations

import warnings

warnings.simplefilter("ignore")  # eventlet's deprecation notice, among others

import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything opens a socket

import argparse  # noqa: E402
import contextlib  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import requests  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko.standalone.rpc import ClusterRpcClient  # noqa: E402
from sqlalchemy import Connection, Engine, event  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench import databases  # noqa: E402
from bench import feedback_ratings as ratings  # noqa: E402
from bench import feedback_seed as seed  # noqa: E402
from bench.notifications_delivery import _consumers, _Mark  # noqa: E402
from bench.processes import ServiceProcess, listening, running  # noqa: E402
from bench.report import Latency, verdict  # noqa: E402
from bench.service_rpc import free_port  # noqa: E402
from bench.standalone import main_against_raw_rpc  # noqa: E402
from services.common.engine import create_service_engine  # noqa: E402
from services.common.loading import load  # noqa: E402
from services.common.migrations import upgrade  # noqa: E402
from services.common.rpc import RemoteService  # noqa: E402
from services.common.rpc_entrypoint import rpc  # noqa: E402
from services.common.settings import amqp_uri, derive_database_url  # noqa: E402
from services.feedback import catalogue, geo, public_map  # noqa: E402
from services.feedback.catalogue import Town  # noqa: E402
from services.feedback.schemas import MapQuery  # noqa: E402

TARGET_MS = 100.0  # a box's p99 through the gateway
MAP = "/api/v1/feedback/map"
PLATFORM = ["feedback", "gateway"]
# (label, the box's side in metres; None: the whole town)
SIZES: tuple[tuple[str, float | None], ...] = (
    ("street (200 m)", 200.0),
    ("district (2 km)", 2000.0),
    ("whole town", None),
)
SECOND_PAGE = "whole town, 2nd page (next_cursor)"
WARMUP = 20  # queries per size before the measured ones
MAX_RESULTS = 500  # FEEDBACK.max_map_results, as the service caps a page
PLAN_LINES = 14
HTTP_TIMEOUT = 30.0
HANDLER_QUEUE = "evt-appointments-appointment_completed--feedback.on_appointment_completed"
PASSED_ON = ("OUTBOX_SWEEP_INTERVAL",)
UNLIMITED = {
    f"RATE_LIMIT_{name}_{part}": "1000000"
    for name in ("AVAILABILITY", "BOOKING", "PARTICIPATION")
    for part in ("PER_MINUTE", "BURST")
}
PARTIES = ratings.PARTIES

# the map ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    label: str
    rows: float  # reports on a page, median
    http: Latency  # through the gateway
    rpc: Latency
    database: Latency
    cpu: dict[str, float]  # ms per query through the gateway, by party
    plan: str  # of the slowest statement


Ask = Callable[[dict[str, Any]], dict[str, Any]]  # a map query -> its page


def timed_pages(ask: Ask, queries: list[dict[str, Any]]) -> list[tuple[float, int]]:
    """The first WARMUP queries unmeasured; then the seconds each took and its reports."""
    for query in queries[:WARMUP]:
        ask(query)
    measured = []
    for query in queries[WARMUP:]:
        started = time.perf_counter()
        page = ask(query)
        measured.append((time.perf_counter() - started, len(page["items"])))
    return measured


class FeedbackVisitor:
    """Asks the feedback service's map as the gateway does, and times it."""

    name = "bench_feedback_visitor"

    feedback = RemoteService("feedback")

    @rpc
    def public_map(self, queries: list[dict[str, Any]]) -> list[tuple[float, int]]:
        return timed_pages(self.feedback.public_map, queries)


def bbox(box: geo.Box) -> str:
    return f"{box.south:.6f},{box.west:.6f},{box.north:.6f},{box.east:.6f}"


def anywhere(town: Town, rng: random.Random) -> tuple[float, float]:
    box = seed.bounds(town)
    while True:
        latitude, longitude = rng.uniform(box.south, box.north), rng.uniform(box.west, box.east)
        if geo.inside(town.boundary, latitude, longitude):
            return latitude, longitude


def boxes(town: Town, side: float | None, count: int, rng: random.Random) -> list[dict[str, Any]]:
    """`count` queries of boxes `side` metres wide: half centred anywhere in town, half where
    reports are; the whole town's box for None."""
    if side is None:
        return [{"bbox": bbox(seed.bounds(town)), "kind": "report"}] * count
    centres = [
        anywhere(town, rng) if number % 2 else seed.place(town, rng) for number in range(count)
    ]
    return [
        {"bbox": bbox(geo.around(latitude, longitude, side / 2)), "kind": "report"}
        for latitude, longitude in centres
    ]


def over_http(session: requests.Session, base: str) -> Ask:
    """The gateway's map, asked on `session` (keep-alive), with no sign-in."""

    def ask(query: dict[str, Any]) -> dict[str, Any]:
        response = session.get(f"{base}{MAP}", params=query, timeout=HTTP_TIMEOUT)
        if response.status_code != 200:
            raise RuntimeError(f"GET {MAP}: {response.status_code} {response.text[:300]}")
        return response.json()

    return ask


def measure_map(
    url: str, base: str, town: Town, calls: int, parties: dict[str, list]
) -> list[Size]:
    """Each size `calls` times through the gateway, over RPC and against the database; the
    whole town's second page as a size of its own."""
    rng = random.Random(23)
    asked = {label: boxes(town, side, WARMUP + calls, rng) for label, side in SIZES}
    with requests.Session() as session:
        http = over_http(session, base)
        first = asked["whole town"][0]
        asked[SECOND_PAGE] = [{**first, "cursor": http(first)["next_cursor"]}] * (WARMUP + calls)
        through_gateway = {
            label: _through_gateway(http, parties, queries) for label, queries in asked.items()
        }
    over_rpc = _over_rpc(asked)
    engine = create_service_engine(url)
    try:
        with engine.connect() as connection:
            database = {
                label: _in_database(engine, connection, queries[WARMUP:])
                for label, queries in asked.items()
            }
    finally:
        engine.dispose()
    sizes = []
    for label in asked:
        rows, http_latency, cpu = through_gateway[label]
        plan_latency, plan = database[label]
        sizes.append(Size(label, rows, http_latency, over_rpc[label], plan_latency, cpu, plan))
    return sizes


def _through_gateway(
    http: Ask, parties: dict[str, list], queries: list[dict[str, Any]]
) -> tuple[float, Latency, dict[str, float]]:
    """The reports on a page (median), the latency, and the CPU each party used per query."""
    began = _Mark.now(0, parties)
    measured = timed_pages(http, queries)
    spent = _Mark.now(0, parties).since(began)
    cpu = {party: 1000 * spent.cpu[party] / len(queries) for party in PARTIES}
    return statistics.median(rows for _, rows in measured), _latency(measured), cpu


def _latency(measured: list[tuple[float, int]]) -> Latency:
    return Latency.of([seconds for seconds, _ in measured])


def _over_rpc(asked: dict[str, list[dict[str, Any]]]) -> dict[str, Latency]:
    runner = ServiceRunner()
    runner.add_service(FeedbackVisitor)
    runner.start()
    try:
        with ClusterRpcClient(timeout=600) as cluster:
            visitor = cluster.bench_feedback_visitor
            return {
                label: _latency(visitor.public_map(queries)) for label, queries in asked.items()
            }
    finally:
        runner.stop()


Statement = tuple[str, Any]


def _in_database(
    engine: Engine, connection: Connection, queries: list[dict[str, Any]]
) -> tuple[Latency, str]:
    """The statements of each query run and fetched on `connection`: their latency, and the
    plan of the slowest."""
    statements = [_statements(engine, query) for query in queries]
    seconds = []
    for each in statements:
        started = time.perf_counter()
        for statement, parameters in each:
            connection.exec_driver_sql(statement, parameters).fetchall()
        seconds.append(time.perf_counter() - started)
    statement, parameters = statements[seconds.index(max(seconds))][-1]
    plan = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)
    return Latency.of(seconds), "\n".join(plan.scalars())


def _statements(engine: Engine, query: dict[str, Any]) -> list[Statement]:
    """The SQL and parameters `public_map.reports_in_box` sends for the query (the cursor's
    anchor first, where there is a cursor; then the page)."""
    captured: list[Statement] = []

    def capture(_connection, _cursor, statement, parameters, _context, _many) -> None:
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with Session(engine) as session:
            public_map.reports_in_box(session, load(MapQuery, query), MAX_RESULTS)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return captured


# the platform ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Platform:
    base: str  # the gateway
    processes: dict[str, ServiceProcess]


def environment(uri: str, base_url: str, port: int) -> dict[str, str]:
    env = {
        "AMQP_URI": uri,
        "DATABASE_URL": base_url,
        "GATEWAY_ADDRESS": f"127.0.0.1:{port}",
        "DEMO_DATA": "false",
        "METRICS_ADDRESS": "",
        "LOG_LEVEL": "WARNING",  # as the other benches log
        **UNLIMITED,
    }
    return env | {name: os.environ[name] for name in PASSED_ON if name in os.environ}


@contextlib.contextmanager
def platform(uri: str, base_url: str) -> Iterator[Platform]:
    with tempfile.TemporaryDirectory(prefix="rathaus-bench-feedback-") as folder:
        port = free_port()
        env = environment(uri, base_url, port)
        ready = partial(_platform_ready, uri, f"127.0.0.1:{port}")
        with running(PLATFORM, env, Path(folder), ready) as processes:
            yield Platform(f"http://127.0.0.1:{port}", processes)


def _platform_ready(uri: str, gateway: str) -> bool:
    """The feedback service takes RPC and the appointments' events; the gateway listens."""
    return (
        _consumers(uri, "rpc-feedback") >= 1
        and _consumers(uri, HANDLER_QUEUE) >= 1
        and listening(gateway)
    )


# running and printing -------------------------------------------------------------------


@dataclass(frozen=True)
class Results:
    seeded: seed.Seeded
    sizes: list[Size]
    ratings: ratings.Ratings


def measure(uri: str, calls: int, count: int, concurrency: int) -> Results:
    town = catalogue.load()
    with databases.postgres_base_url(databases.postgres_server_url()) as base_url:
        url = derive_database_url(base_url, "feedback")
        seeded = seeded_database(url, town)
        with platform(uri, base_url) as place:
            parties = {name: [process] for name, process in place.processes.items()}
            sizes = measure_map(url, place.base, town, calls, parties)
            rated = ratings.measure(uri, url, place.base, count, concurrency, place.processes)
    return Results(seeded, sizes, rated)


def seeded_database(url: str, town: Town) -> seed.Seeded:
    upgrade("feedback", url)
    return seed.seed_items(url, seed.plan(seed.REPORTS, datetime.now(UTC), random.Random(11), town))


def run(args: argparse.Namespace, pg_problem: str | None, raw: Latency) -> bool:
    """Measure on the broker of the run's configuration, print, say if the target was met."""
    if pg_problem is not None:
        print(f"\nFeedback bench skipped (it needs PostgreSQL): {pg_problem}")
        return True
    began = time.monotonic()
    results = measure(amqp_uri(), args.map_queries, args.ratings, args.rating_concurrency)
    passed = print_map(results.seeded, results.sizes, raw)
    ratings.print_report(results.ratings)
    print(f"feedback bench: {time.monotonic() - began:.0f} s")
    return passed


def print_map(seeded: seed.Seeded, sizes: list[Size], raw: Latency) -> bool:
    print(
        f"\nFeedback map, PostgreSQL: {seeded.reports:,} reports over two years "
        f"({seeded.visible:,} visible, {seeded.open:,} open)\nand {seeded.ideas:,} ideas, seeded "
        f"in bulk in {seeded.seconds:.0f} s; visible reports in a box, the newest first, pages "
        "of 200,\none query at a time"
    )
    print(
        f"{'':<36} {'rows':>4} {'calls':>5} {'HTTP median':>12} {'p99':>8} {'x raw':>6} "
        f"{'RPC median':>11} {'p99':>8} {'DB median':>10} {'p99':>8}"
    )
    print(
        f"{'raw AMQP request/reply (kombu)':<36} {'':>4} {raw.count:>5} {'':>12} {'':>8} "
        f"{1:>5.0f}x {raw.median_ms:>9.2f}ms {raw.p99_ms:>6.2f}ms"
    )
    for size in sizes:
        print(
            f"{size.label:<36} {size.rows:>4.0f} {size.http.count:>5} "
            f"{size.http.median_ms:>10.2f}ms {size.http.p99_ms:>6.2f}ms "
            f"{size.http.median_ms / raw.median_ms:>5.0f}x "
            f"{size.rpc.median_ms:>9.2f}ms {size.rpc.p99_ms:>6.2f}ms "
            f"{size.database.median_ms:>8.2f}ms {size.database.p99_ms:>6.2f}ms"
        )
    print(
        "rows: reports on a page (median); HTTP: GET through the gateway (`requests`, "
        "keep-alive), x raw its\nmedian over the raw round trip's; RPC: RemoteService from a "
        "service in this process, as the gateway\nasks; DB: the statements the service sends, "
        "run and fetched on a connection of the bench's own.\nStreet and district boxes at "
        "random places: half anywhere in town, half where reports are"
    )
    print(f"{'CPU ms per query through the gateway':<36}" + "".join(f"{p:>9}" for p in PARTIES))
    for size in sizes:
        print(f"{size.label:<36}" + "".join(f"{size.cpu[party]:>9.2f}" for party in PARTIES))
    print(ratings.CPU_NOTE)
    passed = True
    for size in sizes:
        ok = size.http.p99_ms < TARGET_MS
        passed = passed and ok
        print(
            f"target: {size.label}, p99 < {TARGET_MS:g} ms through the gateway: "
            f"{size.http.p99_ms:.1f} ms {verdict(ok)}"
        )
    for size in sizes:
        plan = size.plan.splitlines()
        if size.http.p99_ms < TARGET_MS:
            access = next((line.strip() for line in plan if "Scan" in line), plan[0].strip())
            timing = next((line.strip() for line in plan if "Execution Time" in line), "")
            print(f"slowest plan, {size.label}: {access.split('  (')[0]}; {timing}")
        else:
            lines = plan[:PLAN_LINES] + [line for line in plan[PLAN_LINES:] if "Time:" in line]
            print(f"slowest plan, {size.label}:\n  " + "\n  ".join(lines))
    return passed


# on its own ---------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--map-queries", type=int, default=300, help="per map box size")
    parser.add_argument("--ratings", type=int, default=2000, help="visits invited and rated")
    parser.add_argument("--rating-concurrency", type=int, default=8, help="ratings at once")


def main(argv: list[str] | None = None) -> int:
    return main_against_raw_rpc(argv, "python -m bench.feedback_map", __doc__, add_arguments, run)


if __name__ == "__main__":
    sys.exit(main())
