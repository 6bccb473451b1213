"""The clerks' worklist at 100,000 cases: pages over RPC, and the database's share of them.

Each query is asked of the applications service (a process of its own) one after another,
as a clerk, the way the gateway asks: by a service in this process over `RemoteService`,
the platform's RPC transport, timed inside it (a standalone ClusterRpcClient, stock
nameko's, would add some 6 ms a call of its own). The database alone: the very statement the
service sends (captured from `cases.worklist` in this process), run on a connection of its
own and fetched; on PostgreSQL, the plan of the slowest page with EXPLAIN (ANALYZE, BUFFERS).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nameko.runners import ServiceRunner
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from bench.appointments_load import timed
from bench.report import Latency, verdict
from services.applications import cases, catalogue
from services.applications.models import CaseRow
from services.applications.reach import reach_of
from services.applications.schemas import Worklist
from services.common.context import Caller
from services.common.engine import create_service_engine
from services.common.loading import load
from services.common.rpc import RemoteService
from services.common.rpc_entrypoint import rpc
from tests.support.clients import as_caller

Ask = Callable[[dict[str, Any]], dict[str, Any]]  # a query -> the page

TARGET_MS = 50.0  # a page's p99
# a clerk of two departments: each type read apart, then merged (cases.worklist)
CLERK_SUBJECT = "clerk-07"
CLERK_DEPARTMENTS = ("traffic", "taxes")
DEEP = 50_000  # cases before the deep page, oldest first
DB_RUNS = 20
PLAN_LINES = 12

QUERIES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("first page (oldest first, the default)", {}),
    (f"a page {DEEP:,} cases in, via cursor", {"cursor": "deep"}),
    ("status in_review", {"status": "in_review"}),
    ("type hundesteuer", {"application_type": "hundesteuer"}),
    ("assignee clerk-07", {"assignee": "clerk-07"}),
    ("overdue (oldest first)", {"overdue": True}),
    ("overdue, by due_at", {"overdue": True, "sort": "due_at"}),
    ("newest first (-submitted_at)", {"sort": "-submitted_at"}),
    ("by due_at", {"sort": "due_at"}),
)


@dataclass(frozen=True)
class Page:
    label: str
    rows: int  # on the page
    rpc: Latency
    http: Latency | None  # through the gateway, where it ran
    database_ms: float  # the statement alone, median


@dataclass(frozen=True)
class Pages:
    engine: str
    floor: Latency  # the service's health RPC: one SELECT 1
    pages: list[Page]
    plan: str  # of the slowest page, PostgreSQL only

    def slowest(self) -> Page:
        return max(self.pages, key=lambda page: page.rpc.p99_ms)


class WorklistClerk:
    """Asks the applications service as the gateway does, and times it."""

    name = "bench_worklist_clerk"

    applications = RemoteService("applications")

    @rpc
    def worklist(self, query: dict[str, Any], calls: int, warmup: int) -> list[float]:
        return timed(self.applications.worklist, [query] * calls, warmup)

    @rpc
    def health(self, calls: int, warmup: int) -> list[float]:
        return timed(lambda _query: self.applications.health(), [{}] * calls, warmup)


def queries(url: str) -> list[tuple[str, dict[str, Any]]]:
    """The queries, the deep page's cursor made from the row before it."""
    engine = create_service_engine(url)
    try:
        with Session(engine) as session:
            before = session.execute(
                select(CaseRow.submitted_at, CaseRow.id)
                .order_by(CaseRow.submitted_at, CaseRow.id)
                .offset(DEEP - 1)
                .limit(1)
            ).one()
    finally:
        engine.dispose()
    deep = cases._encode(before.submitted_at, before.id)
    return [
        (label, {**query, "cursor": deep} if query.get("cursor") else query)
        for label, query in QUERIES
    ]


def measure(
    engine_name: str, url: str, calls: int, http: Ask | None = None, warmup: int = 10
) -> Pages:
    """Each query `calls` times over RPC (the service running), through the gateway (`http`,
    where given), then against the database."""
    asked = queries(url)
    runner = ServiceRunner()
    runner.add_service(WorklistClerk)
    runner.start()
    try:
        with as_caller("clerk", CLERK_SUBJECT, CLERK_DEPARTMENTS, timeout=120) as cluster:
            answers = {label: cluster.applications.worklist(query) for label, query in asked}
            clerk = cluster.bench_worklist_clerk
            floor = Latency.of(clerk.health(calls, warmup))
            rpc = {
                label: Latency.of(clerk.worklist(query, calls, warmup)) for label, query in asked
            }
    finally:
        runner.stop()
    over_http = {
        label: _timed(http, query, calls, warmup) if http else None for label, query in asked
    }
    engine = create_service_engine(url)
    try:
        statements = {label: _statement(engine, query) for label, query in asked}
        database = {label: _database_ms(engine, *statements[label]) for label, _ in asked}
        pages = [
            Page(label, len(answers[label]["cases"]), rpc[label], over_http[label], database[label])
            for label, _ in asked
        ]
        slowest = max(pages, key=lambda page: page.rpc.p99_ms)
        plan = _plan(engine, *statements[slowest.label])
    finally:
        engine.dispose()
    return Pages(engine_name, floor, pages, plan)


def _timed(ask: Ask, query: dict[str, Any], calls: int, warmup: int) -> Latency:
    return Latency.of(timed(ask, [query] * calls, warmup))


def _statement(engine: Engine, query: dict[str, Any]) -> tuple[str, Any]:
    """The SQL and parameters `cases.worklist` sends for the query."""
    captured: list[tuple[str, Any]] = []

    def capture(_connection, _cursor, statement, parameters, _context, _many) -> None:
        captured.append((statement, parameters))

    clerk = Caller(CLERK_SUBJECT, "clerk", CLERK_DEPARTMENTS)
    reach = reach_of(clerk, catalogue.load().values())
    event.listen(engine, "before_cursor_execute", capture)
    try:
        with Session(engine) as session:
            cases.worklist(session, load(Worklist, query), datetime.now(UTC), reach)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    return captured[-1]


def _database_ms(engine: Engine, statement: str, parameters: Any) -> float:
    run = _runner(engine, statement, parameters)
    run()  # warm
    timings = []
    for _ in range(DB_RUNS):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def _runner(engine: Engine, statement: str, parameters: Any) -> Callable[[], None]:
    def run() -> None:
        with engine.connect() as connection:
            connection.exec_driver_sql(statement, parameters).fetchall()

    return run


def _plan(engine: Engine, statement: str, parameters: Any) -> str:
    if engine.dialect.name != "postgresql":
        return ""
    with engine.connect() as connection:
        lines = connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters
        ).scalars()
        return "\n".join(lines)


# printing -------------------------------------------------------------------------------


def fast(page: Page) -> bool:
    return page.rpc.p99_ms < TARGET_MS


def print_report(runs: list[Pages], raw: Latency, seeded: str) -> bool:
    print(f"\nWorklist: {seeded}; pages of 50 as a clerk, one query at a time")
    print(
        f"{'':<46} {'rows':>4} {'calls':>5} {'RPC median':>11} {'p99':>8} {'x raw':>6} "
        f"{'HTTP median':>12} {'p99':>8} {'DB':>7}"
    )
    print(
        f"{'raw AMQP request/reply (kombu, same process)':<46} {'':>4} {raw.count:>5} "
        f"{raw.median_ms:>9.2f}ms {raw.p99_ms:>6.2f}ms {1:>5.1f}x"
    )
    for run in runs:
        print(
            f"{f'{run.engine}: health RPC (SELECT 1), the floor':<46} {'':>4} "
            f"{run.floor.count:>5} {run.floor.median_ms:>9.2f}ms {run.floor.p99_ms:>6.2f}ms "
            f"{run.floor.median_ms / raw.median_ms:>5.1f}x"
        )
        for page in run.pages:
            http = (
                f"{page.http.median_ms:>10.2f}ms {page.http.p99_ms:>6.2f}ms"
                if page.http
                else f"{'-':>12} {'-':>8}"
            )
            print(
                f"{f'{run.engine}: {page.label}':<46} {page.rows:>4} {page.rpc.count:>5} "
                f"{page.rpc.median_ms:>9.2f}ms {page.rpc.p99_ms:>6.2f}ms "
                f"{page.rpc.median_ms / raw.median_ms:>5.1f}x {http} {page.database_ms:>5.2f}ms"
            )
    print(
        "RPC: RemoteService from a service in this process, as a clerk (as the gateway asks); "
        "the applications\nservice a process of its own; HTTP: GET through the gateway "
        "(`requests`, keep-alive); DB: the statement\nthe service sends, run and fetched on a "
        f"connection of the bench's own, median of {DB_RUNS}"
    )
    passed = True
    for run in runs:
        slowest = run.slowest()
        ok = all(fast(page) for page in run.pages)
        passed = passed and ok
        print(
            f"target: {run.engine} every page's RPC p99 < {TARGET_MS:g} ms: slowest "
            f"'{slowest.label}' {slowest.rpc.p99_ms:.1f} ms {verdict(ok)}"
        )
        if run.plan:
            plan = run.plan.splitlines()
            shown = plan[:PLAN_LINES] + [line for line in plan[PLAN_LINES:] if "Time:" in line]
            print(f"{run.engine} plan of '{slowest.label}':\n  " + "\n  ".join(shown))
    return passed
