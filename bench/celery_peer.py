"""Side by side in one run: the platform's webhook fan-out and event pipeline, and the same
built as Celery tasks (bench/celery_tasks.py: prefork, 2 worker processes, tasks
acknowledged late, publisher confirms), on the same broker, receiver and PostgreSQL.

Webhooks: N `appointment_completed` events for one subscription. Ours: the notifications
service as a process of its own (bench/notifications_delivery.py: outbox, inbox, delivery
log, retries, dead letters). Celery's: N `fan_out` tasks sent with confirms, each sending a
`deliver` task per subscription that POSTs to the receiver and writes a delivery-log row.
Timed until the receiver has N deliveries.
Pipeline: N entries, each recorded in a ledger database and counted once in a tally
database. Ours: bench/event_pipeline.py's services (outbox, relay, inbox; the tally takes
the events that arrive together as a batch, in one transaction), in this process. Both
sides write the entry and the tally row with one plain INSERT each (ours through SQLAlchemy
Core, not an ORM object): the pipelines are compared, not an ORM with a bare statement.
Celery's: this process writes each entry (4 greenthreads, as ours) and sends `count_entry`
with a confirm; the workers write the tally row. Timed until every tally row is written.
Celery's pipeline runs twice a round: from the classic queue it declares (the targets), and
from a quorum queue with a delivery limit, as our handlers' queues are (for comparison).

The runs alternate (ours, Celery, ours, Celery ...) and each side's better round counts.
CPU is the sum over the processes involved, read from /proc around each run: the service
processes (Celery's worker and its children; our instance; for the pipeline this process,
which runs our services and Celery's sender), the broker (the RabbitMQ node listening on
the run's port) and every PostgreSQL process (whoever's queries they serve). The
receiver and the events' publisher (this process) are left out of the webhook figures:
they are the same for both. PostgreSQL sessions: connections opened to the run's database.

    python -m bench.celery_peer [--deliveries 2000] [--events 5000] [--peer-rounds 2]
"""

from __future__ import annotations

import warnings

warnings.simplefilter("ignore")  # eventlet's deprecation notice, among others

import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything opens a socket

import argparse  # noqa: E402
import contextlib  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import psycopg2  # noqa: E402
from eventlet.greenpool import GreenPool  # noqa: E402
from kombu import Queue  # noqa: E402
from nameko import config  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko.standalone.rpc import ClusterRpcClient  # noqa: E402

from bench import celery_tasks, databases, event_pipeline, notifications_delivery  # noqa: E402
from bench.broker import throwaway_vhost, unreachable  # noqa: E402
from bench.listener import broker_cpu  # noqa: E402
from bench.pg_sessions import sessions, settled  # noqa: E402
from bench.processes import REPO, cpu_by_command, cpu_seconds, cpu_since  # noqa: E402
from bench.report import verdict  # noqa: E402
from services.common.migrations import create_tables, ensure_database_exists  # noqa: E402
from services.common.settings import (  # noqa: E402
    DEFAULT_AMQP_URI,
    amqp_uri,
    database_url,
    derive_database_url,
)

WORKERS = 2  # prefork processes, as in the measurement
DEADLINE = 180.0  # seconds for the last delivery or tally row
POLL = 0.05
WARMUP = 200  # pipeline entries before the timed ones, on both sides
THROUGHPUT_LEVEL = 0.95  # "level": within 5 % of Celery's pipeline throughput


@dataclass(frozen=True)
class Run:
    """One side's run: how many, how long, CPU seconds per party, sessions opened."""

    count: int
    seconds: float
    cpu: dict[str, float]
    sessions: int | None = None

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def cpu_ms(self, parties: tuple[str, ...]) -> float:
        return 1000 * sum(self.cpu.get(party, 0.0) for party in parties) / self.count


SYSTEM = ("service", "postgres", "rabbitmq")  # what a delivery or an event costs in all


# CPU, read from /proc ----------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text().rpartition(")")[2].split()
                if int(stat[1]) == pid:
                    found.append(int(entry.name))
    return found


def _mark(service_pids: Callable[[], list[int]]) -> dict[str, object]:
    return {
        "service": {pid: cpu_seconds(pid) for pid in service_pids()},
        "postgres": cpu_by_command("postgres"),
        "rabbitmq": broker_cpu(amqp_uri()),
        "at": time.perf_counter(),
    }


def _since(before: dict, after: dict) -> tuple[float, dict[str, float]]:
    cpu = {party: cpu_since(before[party], after[party]) for party in SYSTEM}
    return after["at"] - before["at"], cpu


# the Celery worker --------------------------------------------------------------------------


@contextlib.contextmanager
def celery_worker(
    uri: str, env: dict[str, str], log: Path, queue: str = celery_tasks.QUEUE
) -> Iterator[subprocess.Popen]:
    """`celery worker --pool prefork --concurrency 2`, consuming once it is ready."""
    command = [
        sys.executable, "-m", "celery", "-A", "bench.celery_tasks", "worker",
        "--pool", "prefork", "--concurrency", str(WORKERS), "--loglevel", "WARNING",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with log.open("wb") as output:
        worker = subprocess.Popen(
            command,
            cwd=REPO,
            env={**os.environ, **env, "PEER_BROKER_URL": uri},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while notifications_delivery._consumers(uri, queue) < 1:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        while len(_children(worker.pid)) < WORKERS:
            time.sleep(0.1)
        yield worker
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _service_pids(worker: subprocess.Popen) -> Callable[[], list[int]]:
    return lambda: [worker.pid, *_children(worker.pid)]


def _schema(url: str, variable: str) -> None:
    ensure_database_exists(url)
    with (
        contextlib.closing(psycopg2.connect(_dsn(url))) as connection,
        connection,
        connection.cursor() as cursor,
    ):
        for statement in celery_tasks.SCHEMA[variable]:
            cursor.execute(statement)


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg2://", "postgresql://")


# webhooks ----------------------------------------------------------------------------------


def ours_webhooks(uri: str, count: int) -> Run:
    events = notifications_delivery.make_events(notifications_delivery.HOOKED, count)
    with databases.postgres_base_url(databases.postgres_server_url()) as base_url:
        flow = notifications_delivery.measure_webhooks(uri, base_url, events)
    cpu = {"service": flow.cpu["instances"], **flow.cpu}
    return Run(count, flow.seconds, cpu, flow.sessions)


def celery_webhooks(uri: str, count: int) -> Run:

    with databases.postgres_base_url(databases.postgres_server_url()) as base_url:
        url = derive_database_url(base_url, "celery_webhooks")
        _schema(url, "PEER_WEBHOOK_DB")
        receiver = notifications_delivery.Receiver().start()
        try:
            with (
                contextlib.closing(psycopg2.connect(_dsn(url))) as connection,
                connection,
                connection.cursor() as cursor,
            ):
                cursor.execute(
                    "INSERT INTO peer_subscriptions VALUES (%s, %s, %s, %s)",
                    (
                        str(uuid.uuid4()),
                        [f"appointments.{notifications_delivery.HOOKED}"],
                        receiver.url,
                        notifications_delivery.SECRET,
                    ),
                )
            opened = sessions(url) or 0
            env = {"PEER_WEBHOOK_DB": _dsn(url)}
            celery_tasks.app.conf.broker_url = uri
            with (
                tempfile.TemporaryDirectory(prefix="rathaus-bench-peer-") as folder,
                celery_worker(uri, env, Path(folder) / "worker.log") as worker,
            ):
                pids = _service_pids(worker)
                events = [_celery_event(number) for number in range(count)]
                before = _mark(pids)
                sender = eventlet.spawn(
                    lambda: [celery_tasks.fan_out.delay(event) for event in events]
                )
                _wait(lambda: receiver.delivered, count, sender)
                seconds, cpu = _since(before, _mark(pids))
            used = (settled(url) or 0) - opened
        finally:
            receiver.stop()
    return Run(count, seconds, cpu, used)


def _celery_event(number: int) -> dict[str, object]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": f"appointments.{notifications_delivery.HOOKED}",
        "occurred_at": "2026-12-01T09:45:00+01:00",
        "data": {"appointment_id": str(uuid.uuid4()), "service": "personalausweis"},
    }


def _wait(done: Callable[[], int], count: int, sender) -> None:
    deadline = time.perf_counter() + DEADLINE
    while done() < count:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{done()} of {count} after {DEADLINE:g} s")
        if sender.dead:
            sender.wait()  # raises what stopped it, if anything did
        eventlet.sleep(POLL)
    sender.wait()


# the event pipeline ------------------------------------------------------------------------


def ours_pipeline(count: int) -> Run:
    with (
        databases.postgres_base_url(databases.postgres_server_url()) as base_url,
        config.patch({"DATABASE_URL": base_url}),
    ):
        for service in (event_pipeline.BenchLedger, event_pipeline.BenchTally):
            create_tables(database_url(service.name), event_pipeline.Base.metadata)
        runner = ServiceRunner()
        runner.add_service(event_pipeline.BenchLedger)
        runner.add_service(event_pipeline.BenchTally)
        runner.start()
        try:
            with ClusterRpcClient(timeout=DEADLINE) as cluster:
                event_pipeline._run(cluster, WARMUP, event_pipeline.CONCURRENCY)
                before = _mark(lambda: [os.getpid()])
                event_pipeline._run(cluster, count, event_pipeline.CONCURRENCY)
                seconds, cpu = _since(before, _mark(lambda: [os.getpid()]))
        finally:
            runner.stop()
    return Run(count, seconds, cpu)


def celery_pipeline(uri: str, count: int, *, quorum: bool = False) -> Run:
    """Celery's pipeline from its classic queue, or from a quorum queue as ours (`quorum`)."""
    from psycogreen.eventlet import patch_psycopg

    queue = celery_tasks.QUORUM_QUEUE if quorum else celery_tasks.QUEUE
    # declared by the sender too, so with the same arguments as by the worker
    send = {"queue": Queue(queue, queue_arguments=celery_tasks.QUORUM_ARGUMENTS)} if quorum else {}
    patch_psycopg()  # this process's entries wait on the hub, as our ledger's do
    celery_tasks.app.conf.broker_url = uri
    with databases.postgres_base_url(databases.postgres_server_url()) as base_url:
        ledger = _dsn(derive_database_url(base_url, "celery_ledger"))
        tally = _dsn(derive_database_url(base_url, "celery_tally"))
        _schema(ledger, "PEER_LEDGER_DB")
        _schema(tally, "PEER_TALLY_DB")
        with (
            tempfile.TemporaryDirectory(prefix="rathaus-bench-peer-") as folder,
            celery_worker(
                uri,
                {"PEER_TALLY_DB": tally, "PEER_QUEUE": "quorum" if quorum else "classic"},
                Path(folder) / "worker.log",
                queue,
            ) as worker,
            contextlib.closing(psycopg2.connect(tally)) as counter,
        ):
            counter.autocommit = True

            def counted() -> int:
                with counter.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM peer_tallies")
                    return cursor.fetchone()[0]

            pids = _service_pids(worker)
            _record_entries(ledger, "warmup", WARMUP, counted, lambda: WARMUP, send)
            before = _mark(lambda: [os.getpid(), *pids()])
            _record_entries(ledger, "timed", count, counted, lambda: WARMUP + count, send)
            seconds, cpu = _since(before, _mark(lambda: [os.getpid(), *pids()]))
    return Run(count, seconds, cpu)


def _record_entries(
    ledger: str,
    prefix: str,
    count: int,
    counted: Callable[[], int],
    wanted: Callable[[], int],
    send: dict[str, Queue],
) -> None:
    """As a Celery app records: the entry committed, then its task sent (with a confirm),
    from as many greenthreads as our ledger uses."""

    def record(numbers: range) -> None:
        with contextlib.closing(psycopg2.connect(ledger)) as connection:
            for number in numbers:
                entry_id = f"{prefix}-{number}"
                with connection, connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO peer_entries (entry_id, amount) VALUES (%s, %s)",
                        (entry_id, number),
                    )
                celery_tasks.count_entry.apply_async((entry_id,), **send)

    pool = GreenPool(event_pipeline.CONCURRENCY)
    share = -(-count // event_pipeline.CONCURRENCY)
    for start in range(0, count, share):
        pool.spawn(record, range(start, min(count, start + share)))
    sender = eventlet.spawn(pool.waitall)
    _wait(counted, wanted(), sender)


# running and printing ----------------------------------------------------------------------


def measure(uri: str, deliveries: int, events: int, rounds: int) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {key: [] for key in LABELS}
    for _ in range(rounds):  # alternately, so a busy moment of the machine hits both
        runs["ours"].append(ours_webhooks(uri, deliveries))
        runs["celery"].append(celery_webhooks(uri, deliveries))
    for _ in range(rounds):
        runs["ours_p"].append(ours_pipeline(events))
        runs["celery_p"].append(celery_pipeline(uri, events))
        runs["celery_q"].append(celery_pipeline(uri, events, quorum=True))
    return runs


def run(args: argparse.Namespace, pg_problem: str | None) -> bool:
    """Measure on the broker of the run's configuration, print, say if the targets were met."""
    if pg_problem is not None:
        print(f"\nCelery peer skipped (it needs PostgreSQL): {pg_problem}")
        return True
    began = time.monotonic()
    runs = measure(amqp_uri(), args.deliveries, args.events, args.peer_rounds)
    passed = print_report(runs)
    print(f"celery peer bench: {time.monotonic() - began:.0f} s")
    return passed


LABELS = {
    "ours": "ours: notifications, 1 instance",
    "celery": "Celery: fan_out -> deliver tasks",
    "ours_p": "ours: outbox -> relay -> inbox",
    "celery_p": "Celery: commit, then count_entry task",
    "celery_q": "Celery, the same from a quorum queue",
}


def _best(runs: list[Run]) -> Run:
    return max(runs, key=lambda run: run.per_second)


def print_report(runs: dict[str, list[Run]]) -> bool:
    import celery

    print(
        f"\nPeer: Celery {celery.__version__} (prefork, {WORKERS} worker processes, acks_late, "
        "publisher confirms) beside ours,\nsame broker, receiver and PostgreSQL; rounds "
        "alternate, each side's faster round counts. Ours consumes from quorum queues (with\n"
        "a delivery limit and dead letters; an outbox and an inbox in the database), "
        "Celery from the classic queue it declares\n(and, in the pipeline's last rows, from a "
        "quorum queue as ours)"
    )
    print(
        f"{'Webhook fan-out, 1 subscription':<48} {'per s':>6} {'CPU ms/delivery':>16} "
        f"{'svc':>5} {'pg':>5} {'amqp':>5} {'pg sessions':>12}"
    )
    for key in ("ours", "celery"):
        for number, one in enumerate(runs[key], 1):
            cost = [one.cpu_ms((party,)) for party in SYSTEM]
            opened = "-" if one.sessions is None else str(one.sessions)
            print(
                f"{LABELS[key] + f', round {number}':<48} {one.per_second:>6.0f} "
                f"{one.cpu_ms(SYSTEM):>16.2f} {cost[0]:>5.2f} {cost[1]:>5.2f} {cost[2]:>5.2f} "
                f"{opened:>12}"
            )
    print(
        f"\n{'Event pipeline, PostgreSQL':<48} {'per s':>6} {'CPU ms/event':>16} "
        f"{'svc':>5} {'pg':>5} {'amqp':>5}"
    )
    for key in ("ours_p", "celery_p", "celery_q"):
        for number, one in enumerate(runs[key], 1):
            cost = [one.cpu_ms((party,)) for party in SYSTEM]
            print(
                f"{LABELS[key] + f', round {number}':<48} {one.per_second:>6.0f} "
                f"{one.cpu_ms(SYSTEM):>16.2f} {cost[0]:>5.2f} {cost[1]:>5.2f} {cost[2]:>5.2f}"
            )
    print(
        "svc: the service's processes (pipeline: this process, running our services or "
        "Celery's sender, and Celery's workers); pg, amqp: every PostgreSQL and RabbitMQ "
        "process;\npg sessions: connections opened to the run's database (ours: the bench's "
        "own row counter among them)"
    )
    ours, peer = _best(runs["ours"]), _best(runs["celery"])
    ours_p, peer_p = _best(runs["ours_p"]), _best(runs["celery_p"])
    checks = [
        (
            "webhooks, ours at least Celery's deliveries/s",
            ours.per_second / peer.per_second,
            ours.per_second >= peer.per_second,
            f"{ours.per_second:.0f} / {peer.per_second:.0f}",
        ),
        (
            "webhooks, ours at most Celery's CPU per delivery",
            ours.cpu_ms(SYSTEM) / peer.cpu_ms(SYSTEM),
            ours.cpu_ms(SYSTEM) <= peer.cpu_ms(SYSTEM),
            f"{ours.cpu_ms(SYSTEM):.2f} / {peer.cpu_ms(SYSTEM):.2f} ms",
        ),
        (
            "pipeline, ours at most Celery's CPU per event",
            ours_p.cpu_ms(SYSTEM) / peer_p.cpu_ms(SYSTEM),
            ours_p.cpu_ms(SYSTEM) <= peer_p.cpu_ms(SYSTEM),
            f"{ours_p.cpu_ms(SYSTEM):.2f} / {peer_p.cpu_ms(SYSTEM):.2f} ms",
        ),
        (
            f"pipeline, ours level with Celery's events/s (>= {THROUGHPUT_LEVEL:g}x)",
            ours_p.per_second / peer_p.per_second,
            ours_p.per_second >= THROUGHPUT_LEVEL * peer_p.per_second,
            f"{ours_p.per_second:.0f} / {peer_p.per_second:.0f}",
        ),
    ]
    for label, ratio, ok, figures in checks:
        print(f"target: {label}: {figures} = {ratio:.2f}x {verdict(ok)}")
    like = _best(runs["celery_q"])
    print(
        "like with like, Celery's tasks on a quorum queue as our events are: ours "
        f"{ours_p.per_second / like.per_second:.2f}x its events/s "
        f"({ours_p.per_second:.0f} / {like.per_second:.0f}), "
        f"{ours_p.cpu_ms(SYSTEM) / like.cpu_ms(SYSTEM):.2f}x its CPU per event "
        f"({ours_p.cpu_ms(SYSTEM):.2f} / {like.cpu_ms(SYSTEM):.2f} ms)"
    )
    return all(ok for _, _, ok, _ in checks)


# on its own ---------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--peer-rounds", type=int, default=2, help="alternating rounds per side (Celery peer)"
    )
    parser.add_argument("--no-peer", action="store_true", help="leave out the Celery peer")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.celery_peer", description=__doc__.splitlines()[0]
    )
    notifications_delivery.add_arguments(parser)
    add_arguments(parser)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI))
    args = parser.parse_args(argv)
    if unreachable(args.amqp_uri):
        return 1
    pg_problem = databases.postgres_problem(databases.postgres_server_url())
    with throwaway_vhost(args.amqp_uri) as vhost_uri, config.patch({"AMQP_URI": vhost_uri}):
        print(f"broker: {vhost_uri.rsplit('@', 1)[-1]} (throwaway vhost)", flush=True)
        met = run(args, pg_problem)
    print(f"\nall targets met: {'yes' if met else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
