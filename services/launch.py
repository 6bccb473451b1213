"""Start the platform: check the broker, migrate each service's database, run the services.

python -m services.launch --config config/local.yaml             # every service
python -m services.launch --config ... --service notifications   # one service (scale out)
"""

from __future__ import annotations

import warnings

# eventlet announces its deprecation on import; nameko 3 is built on it, so that is known
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything opens a socket

import argparse  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from nameko import config  # noqa: E402
from nameko.cli.run import run  # noqa: E402
from nameko.cli.utils.config import setup_config  # noqa: E402

from services import ALL_SERVICES  # noqa: E402
from services.common.amqp import broker_reachable  # noqa: E402
from services.common.logging import configure_logging  # noqa: E402
from services.common.metrics import start_metrics_server  # noqa: E402
from services.common.migrations import upgrade  # noqa: E402
from services.common.settings import amqp_uri, database_url, flag  # noqa: E402

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "local.yaml"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rathaus", description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument(
        "--service",
        action="append",
        choices=ALL_SERVICES,
        help="run only this service (repeatable); default: all of them",
    )
    parser.add_argument(
        "--module",
        action="append",
        default=[],
        help="also run the services defined in this module (dotted path)",
    )
    parser.add_argument("--no-migrate", action="store_true", help="do not apply migrations")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C stops the platform cleanly even where a shell started it with SIGINT ignored
    # (a background job of a script). It is turned into SIGTERM, whose handler (nameko's)
    # stops the services from a greenthread of its own: a KeyboardInterrupt would be raised
    # in whichever greenthread runs at that moment, such as one answering /metrics, and
    # the platform would not stop.
    signal.signal(signal.SIGINT, lambda _signal, _frame: os.kill(os.getpid(), signal.SIGTERM))
    with args.config.open("rb") as config_file:
        setup_config(config_file)
    configure_logging(config.get("LOG_FORMAT", "console"), config.get("LOG_LEVEL", "INFO"))

    problem = broker_reachable(amqp_uri())
    if problem is not None:
        print(
            f"RabbitMQ is not reachable at {_safe(amqp_uri())} ({problem}); "
            "start it with `rabbitmq-server -detached` or set AMQP_URI.",
            file=sys.stderr,
        )
        return 1
    start_metrics_server(config.get("METRICS_ADDRESS"))

    services = args.service or ([] if args.module else list(ALL_SERVICES))
    if not args.no_migrate:
        migrated = [name for name in services if name != "gateway"]
        for name in migrated:
            upgrade(name, database_url(name))
        if flag(config.get("DEMO_DATA", False)):
            load_demo_data(migrated)
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
