"""A bench run on its own (`python -m bench.<name>`): the broker checked, a throwaway vhost,
PostgreSQL looked for, the verdict printed."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

from nameko import config

from bench import databases, raw_rpc
from bench.broker import throwaway_vhost, unreachable
from services.common.settings import DEFAULT_AMQP_URI


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI))


def postgres_problem(args: argparse.Namespace) -> str | None:
    """Why the PostgreSQL runs are left out (--no-postgres, or the server's answer); None
    where they run."""
    if args.no_postgres:
        return "--no-postgres"
    return databases.postgres_problem(databases.postgres_server_url())


def main_alone(args: argparse.Namespace, run: Callable[[str, str | None], bool]) -> int:
    """`run(vhost_uri, pg_problem)` in a throwaway vhost (see `postgres_problem`)."""
    if unreachable(args.amqp_uri):
        return 1
    pg_problem = postgres_problem(args)
    with throwaway_vhost(args.amqp_uri) as vhost_uri, config.patch({"AMQP_URI": vhost_uri}):
        print(f"broker: {vhost_uri.rsplit('@', 1)[-1]} (throwaway vhost)", flush=True)
        met = run(vhost_uri, pg_problem)
    print(f"\nall targets met: {'yes' if met else 'no'}")
    return 0


def main_against_raw_rpc(
    argv: list[str] | None,
    prog: str,
    doc: str,
    add_arguments: Callable[[argparse.ArgumentParser], None],
    run: Callable[[argparse.Namespace, str | None, object], bool],
) -> int:
    """`python -m <bench>` for a bench whose base is the raw AMQP round trip, measured first
    in the same run: its own options, the raw calls' count, and the common ones."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--rpc-calls", type=int, default=2000, help="for the raw baseline")
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    return main_alone(
        args, lambda uri, pg_problem: run(args, pg_problem, raw_rpc.measure(uri, args.rpc_calls))
    )
