"""Start the platform: check the broker, migrate each service's database, run the services.

python -m services.launch --config config/local.yaml             # every service
python -m services.launch --config ... --service notifications   # one service (scale out)
python -m services.launch --config ... --service feedback --no-migrate
python -m services.launch --config ... migrate [--service NAME]  # migrate, then exit
python -m services.launch --config ... migrate --check [--wait SECONDS]
"""

from __future__ import annotations

import warnings

# eventlet announces its deprecation on import; nameko 3 is built on it, so that is known
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything opens a socket

import argparse  # noqa: E402
import errno  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from nameko import config  # noqa: E402
from nameko.cli.utils import import_services  # noqa: E402
from nameko.cli.utils.config import setup_config  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402

from services import ALL_SERVICES  # noqa: E402
from services.common import health  # noqa: E402
from services.common.amqp import broker_reachable  # noqa: E402
from services.common.default_secrets import UnknownEnvironment, refusal  # noqa: E402
from services.common.logging import configure_logging, get_logger  # noqa: E402
from services.common.metrics import start_metrics_server  # noqa: E402
from services.common.migrations import MigrationState, migration_state, upgrade  # noqa: E402
from services.common.settings import amqp_uri, database_url, flag  # noqa: E402

log = get_logger(__name__)

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "local.yaml"
# sysexits' EX_CONFIG: the configuration forbids starting; restarting will not help
EXIT_CONFIG = 78
# seconds between looks at a database that is not migrated yet (migrate --check --wait)
CHECK_INTERVAL = 2.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rathaus", description=__doc__.splitlines()[0])
    parser.add_argument(
        "command",
        nargs="?",
        choices=("run", "migrate"),
        default="run",
        help="run the services (default), or migrate their databases and exit",
    )
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument(
        "--service",
        action="append",
        choices=ALL_SERVICES,
        help="run (or migrate) only this service (repeatable); default: all of them",
    )
    parser.add_argument(
        "--module",
        action="append",
        default=[],
        help="also run the services defined in this module (dotted path)",
    )
    parser.add_argument("--no-migrate", action="store_true", help="do not apply migrations")
    parser.add_argument(
        "--check",
        action="store_true",
        help="migrate: change nothing, exit 0 when every database is migrated for this release",
    )
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="migrate --check: wait up to this long for the migrations to be done elsewhere",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C stops the platform cleanly even where a shell started it with SIGINT ignored
    # (a background job of a script). It is turned into SIGTERM, whose handler stops the
    # services from a greenthread of its own: a KeyboardInterrupt would be raised in
    # whichever greenthread runs at that moment, such as one answering /metrics, and the
    # platform would not stop.
    signal.signal(signal.SIGINT, lambda _signal, _frame: os.kill(os.getpid(), signal.SIGTERM))
    with args.config.open("rb") as config_file:
        setup_config(config_file)
    configure_logging(config.get("LOG_FORMAT", "console"), config.get("LOG_LEVEL", "INFO"))

    try:
        refused = refusal(config)
    except UnknownEnvironment as error:
        refused = str(error)
    if refused is not None:
        print(refused, file=sys.stderr, flush=True)
        return EXIT_CONFIG

    services = args.service or ([] if args.module else list(ALL_SERVICES))
    with_database = [name for name in services if name != "gateway"]
    if args.command == "migrate":
        if args.check:
            return check_migrated(with_database, args.wait)
        migrate(with_database)
        return 0

    problem = broker_reachable(amqp_uri())
    if problem is not None:
        print(
            f"RabbitMQ is not reachable at {_safe(amqp_uri())} ({problem}); "
            "start it with `rabbitmq-server -detached` or set AMQP_URI.",
            file=sys.stderr,
        )
        return 1
    start_metrics_server(config.get("METRICS_ADDRESS"))

    if not args.no_migrate:
        migrate(with_database)
    if "gateway" in services:
        print(f"Gateway listening on http://{config.get('WEB_SERVER_ADDRESS')}", flush=True)
    modules = [f"services.{name}.service" for name in services] + args.module
    for module in modules:
        importlib.import_module(module.partition(":")[0])
    # what start-up made lives as long as the process: out of the collector's sight, a full
    # collection no longer walks it, which otherwise adds 100 ms to an unlucky request
    gc.freeze()
    run(modules)
    return 0


def migrate(services: list[str]) -> None:
    """Bring each service's database to this release's schema (and the demo data, if on)."""
    for name in services:
        upgrade(name, database_url(name))
    if flag(config.get("DEMO_DATA", False)):
        load_demo_data(services)


def check_migrated(services: list[str], wait: float) -> int:
    """0 once every service's database is at this release's schema or a later one (the
    previous release's pods run on the next one's: expand, then contract); 1 when `wait`
    seconds pass first, naming the services still behind."""
    deadline = time.monotonic() + wait
    while True:
        behind = {name: migration_state(name, database_url(name)) for name in services}
        behind = {name: state for name, state in behind.items() if not state.done}
        if not behind:
            print(f"Migrated for this release: {', '.join(services) or 'nothing to do'}")
            return 0
        if time.monotonic() >= deadline:
            for name, state in behind.items():
                print(f"{name}: {_describe(state)}", file=sys.stderr)
            return 1
        time.sleep(CHECK_INTERVAL)


def _describe(state: MigrationState) -> str:
    return (
        f"database at {state.current or 'no schema'}, this release needs "
        f"{', '.join(state.wanted)}: run `rathaus migrate` (the migration Job)"
    )


def run(modules: list[str]) -> None:
    """Run the services of `modules` until SIGTERM, as `nameko run` does, telling the health
    endpoint when they have started and when they are stopping."""
    runner = ServiceRunner()
    for module in modules:
        for service_class in import_services(module):
            runner.add_service(service_class)

    def shutdown(_signal, _frame) -> None:
        # a signal handler runs on the main loop and cannot use eventlet's primitives
        health.PROCESS.stopping()
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, shutdown)
    runner.start()
    health.PROCESS.running()
    # every consumer is on its queue from here on: what a readiness probe, an operator
    # reading the log or a test that starts the process waits for
    log.info("services_started", services=sorted(runner.service_map))
    # an EINTR from the signal lands in the waiting greenthread, not in the runner
    waiting = eventlet.spawn(runner.wait)
    while True:
        try:
            waiting.wait()
        except OSError as error:
            if error.errno == errno.EINTR:
                continue
            raise
        break
    health.PROCESS.stopping()


def load_demo_data(services: list[str]) -> None:
    """Fill the empty databases of the services that have demo data (`services.<name>.demo`)."""
    for name in services:
        if importlib.util.find_spec(f"services.{name}.demo") is None:
            continue
        demo = importlib.import_module(f"services.{name}.demo")
        if demo.load_demo_data(database_url(name)):
            print(
                f"Demo data loaded into the empty {name} database (DEMO_DATA=false turns it off)",
                flush=True,
            )


def _safe(uri: str) -> str:
    from nameko.utils import sanitize_url

    return sanitize_url(uri)


if __name__ == "__main__":
    sys.exit(main())
