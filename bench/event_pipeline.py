"""The platform's event pipeline end to end, on one database engine.

ledger transaction (entry + outbox row) -> outbox relay (publisher confirms) -> tally
`event_handler` taking the events that arrive together as a batch (their inbox rows and
effects, one commit; a batch of one when they come one at a time). Both services run in
this process.
Throughput counts from the start of the first ledger transaction to the commit of the
last tally transaction, with 4 greenthreads recording as fast as they can (a flood);
latency is from an event's creation (inside the ledger transaction) to the commit of its
tally transaction: in the flood, and for events recorded one at a time (paced).
"""

from __future__ import annotations

import uuid

from nameko import config
from nameko.runners import ServiceRunner
from nameko.standalone.rpc import ClusterRpcClient
from sqlalchemy import func, select

from bench.pipeline_services import RECORDER, Base, BenchLedger, BenchTally, Tally
from bench.report import Latency, Throughput
from services.common.engine import create_service_engine
from services.common.migrations import create_tables
from services.common.settings import database_url

CONCURRENCY = 4  # greenthreads recording entries side by side in the ledger
DEADLINE = 120.0  # seconds to wait for the last event


def measure(
    base_url: str, events: int, paced: int, pace: float, warmup: int = 200
) -> tuple[Throughput, str]:
    with config.patch({"DATABASE_URL": base_url}):
        for service in (BenchLedger, BenchTally):
            create_tables(database_url(service.name), Base.metadata)
        runner = ServiceRunner()
        runner.add_service(BenchLedger)
        runner.add_service(BenchTally)
        runner.start()
        try:
            with ClusterRpcClient(timeout=DEADLINE) as cluster:
                _run(cluster, warmup, CONCURRENCY)
                _run(cluster, paced, 1, pace)
                light = Latency.of(RECORDER.latencies)
                started, finished = _run(cluster, events, CONCURRENCY)
                flood = Latency.of(RECORDER.latencies)
        finally:
            runner.stop()
        check = _effects_check(database_url(BenchTally.name), warmup + paced + events)
    return Throughput(events, finished - started, flood, light), check


def _run(cluster, events: int, concurrency: int, pace: float = 0.0) -> tuple[float, float]:
    RECORDER.expect(events)
    prefix = uuid.uuid4().hex[:8]
    started = cluster.bench_ledger.record_many(prefix, events, concurrency, pace)
    finished = RECORDER.done.wait(DEADLINE)
    if finished is None:
        raise RuntimeError(f"only {len(RECORDER.latencies)} of {events} events arrived")
    return started, finished


def _effects_check(url: str, expected: int) -> str:
    """Each recorded entry counted exactly once?"""
    engine = create_service_engine(url)
    with engine.connect() as connection:
        rows, distinct = connection.execute(
            select(func.count(), func.count(Tally.entry_id.distinct()))
        ).one()
    engine.dispose()
    state = "ok" if rows == distinct == expected else "WRONG"
    return f"{rows} effects for {expected} events, {distinct} distinct: {state}"
