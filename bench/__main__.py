"""python -m bench: RPC and event figures against raw AMQP on the same broker, one run.

    python -m bench [--rpc-calls 2000] [--events 5000] [--no-postgres]
                    [--queries 200] [--wide-queries 10] [--rush 1000]
                    [--uploads 1000] [--upload-concurrency 8]
                    [--deliveries 2000] [--no-notifications-sqlite]
                    [--peer-rounds 2] [--no-peer]
                    [--flow-seconds 15] [--worklist-calls 100] [--no-applications-sqlite]
                    [--map-queries 300] [--ratings 2000] [--rating-concurrency 8]
                    [--no-feedback] [--page-requests 300] [--journeys 3] [--no-portal]

Needs RabbitMQ with the management plugin (a throwaway vhost per run) and, for the
PostgreSQL row, a server at $BENCH_POSTGRES_URL (default postgres@127.0.0.1:5432).
"""

from __future__ import annotations

import warnings

warnings.simplefilter("ignore")  # eventlet's deprecation notice, among others

import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything opens a socket

import argparse  # noqa: E402
import gc  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from types import ModuleType  # noqa: E402

from nameko import config  # noqa: E402

from bench import (  # noqa: E402
    applications_flow,
    appointments,
    celery_peer,
    databases,
    documents_upload,
    event_pipeline,
    feedback_map,
    notifications_delivery,
    portal_pages,
    raw_events,
    raw_rpc,
    service_rpc,
    staff_cases,
    staff_desk,
)
from bench.broker import throwaway_vhost, unreachable  # noqa: E402
from bench.report import Latency, event_table, rpc_table, verdict  # noqa: E402
from bench.standalone import postgres_problem  # noqa: E402
from services.common.logging import configure_logging  # noqa: E402
from services.common.settings import DEFAULT_AMQP_URI  # noqa: E402

RPC_TARGET = 1.5  # service-to-service median, signed caller, at most this times the raw trip
CLIENT_TARGET = 2.0  # a portal's services.client call at most this times the raw round trip
EVENT_TARGET = 0.25  # pipeline throughput at least this share of raw durable throughput
PACE = 0.005  # seconds between events when measuring latency without a queue


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rpc-calls", type=int, default=2000)
    parser.add_argument("--stock-calls", type=int, default=1000, help="for the stock rows")
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--paced", type=int, default=300, help="events for the paced latency")
    parser.add_argument("--queries", type=int, default=200, help="availability, 1 location")
    parser.add_argument("--wide-queries", type=int, default=10, help="availability, all 10")
    parser.add_argument("--rush", type=int, default=1000, help="holds sent at once")
    parser.add_argument("--uploads", type=int, default=1000, help="small documents")
    parser.add_argument("--upload-concurrency", type=int, default=8)
    notifications_delivery.add_arguments(parser)
    celery_peer.add_arguments(parser)
    applications_flow.add_arguments(parser)
    feedback_map.add_arguments(parser)
    parser.add_argument("--no-feedback", action="store_true", help="leave out the feedback bench")
    portal_pages.add_arguments(parser)
    staff_cases.add_arguments(parser)
    staff_desk.add_arguments(parser)
    parser.add_argument("--no-portal", action="store_true", help="leave out the portal bench")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    gc.freeze()  # as the launcher does before it runs the services
    configure_logging("console", "WARNING")
    # nameko warns about each consumer thread it stops at shutdown: not news here
    logging.getLogger("nameko.containers").setLevel(logging.ERROR)
    if unreachable(args.amqp_uri):
        return 1
    pg_problem = postgres_problem(args)
    began = time.monotonic()
    # the services the benches start as processes run as in production too
    os.environ["RPC_STRICT_ANSWERS"] = "false"
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cores; eventlet, one process "
        "(the browser benches: one each)"
    )
    with throwaway_vhost(args.amqp_uri) as amqp_uri:
        print(f"broker: {amqp_uri.rsplit('@', 1)[-1]} (throwaway vhost)\n", flush=True)
        settings = {
            "AMQP_URI": amqp_uri,
            "max_workers": 20,
            "RPC_TIMEOUT": 10,
            # every gateway (the RPC bench's too) issues proof-of-work challenges
            "CHALLENGE": appointments.BENCH_CHALLENGE,
            # as in production: an answer's shape is checked by the tests, not on every call
            "RPC_STRICT_ANSWERS": False,
        }
        with config.patch(settings):
            rpc_ok, raw = run_rpc(amqp_uri, args)
            events_ok = run_events(amqp_uri, args, pg_problem)
            appointments_ok = appointments.run(args, pg_problem, raw)
            documents_ok = documents_upload.run(args, raw)
            notifications_ok = notifications_delivery.run(args, pg_problem)
            peer_ok = args.no_peer or celery_peer.run(args, pg_problem)
            applications_ok = applications_flow.run(args, pg_problem, raw)
            feedback_ok = args.no_feedback or feedback_map.run(args, pg_problem, raw)
            portal_ok = args.no_portal or in_own_process(portal_pages, args)
            staff_cases_ok = args.no_portal or in_own_process(staff_cases, args)
            staff_desk_ok = args.no_portal or in_own_process(staff_desk, args)
    met = all(
        (
            rpc_ok,
            events_ok,
            appointments_ok,
            documents_ok,
            notifications_ok,
            peer_ok,
            applications_ok,
            feedback_ok,
            portal_ok,
            staff_cases_ok,
            staff_desk_ok,
        )
    )
    print(f"\nall targets met: {'yes' if met else 'no'}; ", end="")
    print(f"total {time.monotonic() - began:.0f} s")
    return 0


def in_own_process(bench: ModuleType, args: argparse.Namespace) -> bool:
    """A browser bench run as `python -m` in a process of its own, with this run's options,
    its output passed on: the benches before leave consumers, timers and garbage in this
    process that its timed client would wait for; its raw round trip is measured there."""
    options = ["--amqp-uri", args.amqp_uri, "--rpc-calls", str(args.rpc_calls)]
    options += ["--no-postgres"] if args.no_postgres else []
    own = argparse.ArgumentParser(add_help=False)
    bench.add_arguments(own)
    for action in own._actions:
        options += [action.option_strings[0], str(getattr(args, action.dest))]
    met = False
    with subprocess.Popen(
        [sys.executable, "-m", bench.__name__, *options], stdout=subprocess.PIPE, text=True
    ) as child:
        for line in child.stdout or ():
            met = met or line.startswith("all targets met: yes")
            if not line.startswith(("all targets met:", "broker:")):
                print(line, end="", flush=True)
    return met and child.returncode == 0


def run_rpc(amqp_uri: str, args: argparse.Namespace) -> tuple[bool, Latency]:
    raw = raw_rpc.measure(amqp_uri, args.rpc_calls)
    raw_quorum = raw_rpc.measure(amqp_uri, args.rpc_calls, quorum=True)
    with databases.sqlite_base_url() as base_url, config.patch({"DATABASE_URL": base_url}):
        measured = service_rpc.measure(args.rpc_calls, args.stock_calls)
    rows = [
        ("raw AMQP request/reply (kombu, same process)", raw),
        ("raw, the request through a quorum queue (as ours)", raw_quorum),
        ("service -> service: RemoteService, timed inside A", measured["service"]),
        ("portal: services.client -> service, signed caller", measured["client"]),
        ("HTTP GET -> gateway -> 1 RemoteService RPC (*)", measured["http"]),
        ("stock nameko: ServiceRpc inside a service", measured["stock_service"]),
        ("stock nameko: standalone ClusterRpcClient -> service", measured["standalone"]),
    ]
    print(rpc_table(rows, raw))
    print(
        "raw: kombu client and server greenthreads, transient messages, no confirms; the\n"
        "services' request queues are quorum queues (they survive losing a broker node);\n"
        "(*) the gateway with a bearer token, on a bench route (bench/rpc_services.py) that\n"
        "    makes exactly one RPC; the client is `requests` with keep-alive, in this process"
    )
    # the targets are our plumbing's share: against the raw trip through the same kind of
    # request queue, so that the broker's price for a replicated queue is not counted as ours
    ratio = measured["service"].median_ms / raw_quorum.median_ms
    client_ratio = measured["client"].median_ms / raw_quorum.median_ms
    passed = ratio <= RPC_TARGET
    client_passed = client_ratio <= CLIENT_TARGET
    print(
        "every platform row carries a signed caller (Ed25519), verified by the echo service\n"
        f"the quorum request queue's own price: {raw_quorum.median_ms - raw.median_ms:.3f} ms "
        f"a trip; ours against the raw trip through a classic queue: service "
        f"{measured['service'].median_ms / raw.median_ms:.2f}x, services.client "
        f"{measured['client'].median_ms / raw.median_ms:.2f}x\n"
        f"target: service-to-service RPC with a signed caller within {RPC_TARGET:g}x of the raw "
        f"trip through a quorum queue: {ratio:.2f}x {verdict(passed)}\n"
        f"target: a portal's services.client call within {CLIENT_TARGET:g}x of the raw trip "
        f"through a quorum queue: {client_ratio:.2f}x {verdict(client_passed)}\n",
        flush=True,
    )
    return passed and client_passed, raw


def run_events(amqp_uri: str, args: argparse.Namespace, pg_problem: str | None) -> bool:
    paced = (args.paced, PACE)
    classic = raw_events.measure(amqp_uri, args.events, *paced)
    # the handler queues are quorum queues: the pipeline's share is of the raw floor through
    # the same kind of queue, so that the broker's price for replication is not counted as ours
    raw = raw_events.measure(amqp_uri, args.events, *paced, quorum=True)
    rows = [
        ("raw durable: kombu, confirm each, ack each", classic),
        ("raw durable, the same through a quorum queue", raw),
        (
            "raw durable: confirms per 200 (reference only)",
            raw_events.measure_batched(amqp_uri, args.events),
        ),
    ]
    pipelines = []
    checks = []
    with databases.sqlite_base_url() as base_url:
        run, check = event_pipeline.measure(base_url, args.events, *paced)
    pipelines.append(("SQLite", run))
    checks.append(f"SQLite: {check}")
    if pg_problem is None:
        with databases.postgres_base_url(databases.postgres_server_url()) as base_url:
            run, check = event_pipeline.measure(base_url, args.events, *paced)
        pipelines.append(("PostgreSQL", run))
        checks.append(f"PostgreSQL: {check}")
    rows += [(f"pipeline, {engine}: outbox -> relay -> inbox", run) for engine, run in pipelines]
    print(event_table(rows, raw))
    print(
        f"flood: {args.events} events as fast as they go; paced: {args.paced} events, "
        f"one every {PACE * 1000:g} ms"
    )
    for check in checks:
        print(f"exactly once, {check}")
    if pg_problem is not None:
        print(f"PostgreSQL skipped: {pg_problem}")
    passed = True
    for engine, run in pipelines:
        share = run.per_second / raw.per_second
        ok = share >= EVENT_TARGET
        passed = passed and ok
        print(
            f"target: {engine} pipeline at least {EVENT_TARGET:.0%} of raw durable throughput "
            f"through a quorum queue: {share:.0%} {verdict(ok)}"
        )
    return passed


if __name__ == "__main__":
    sys.exit(main())
