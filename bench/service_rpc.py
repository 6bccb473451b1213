"""RPC through nameko: service to service, from a standalone client, and behind HTTP.

All services run in this process (one ServiceRunner), as the raw round trip does.
"""

from __future__ import annotations

import socket
import time

import requests
from nameko import config
from nameko.runners import ServiceRunner

from bench.report import Latency
from bench.rpc_services import BenchGateway, Caller, Echo, StockCaller, StockEcho
from services.client import PlatformClient
from services.common.identity import DEVELOPMENT_KEY_ID, DEVELOPMENT_SIGNING_KEY
from services.common.identity import Caller as IdentityCaller
from services.common.migrations import create_tables
from services.common.settings import database_url
from tests.support.clients import as_caller

BENCH_CALLER = IdentityCaller("bench", "citizen")  # as_caller("citizen", "bench") below
# the local default's dev login, so that each HTTP call carries and checks a bearer token
BENCH_AUTH = {"dev_login": True, "dev_secret": "bench-secret-of-at-least-32-characters!"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure(calls: int, stock_calls: int, warmup: int = 200) -> dict[str, Latency]:
    port = free_port()
    results: dict[str, Latency] = {}
    with config.patch({"WEB_SERVER_ADDRESS": f"127.0.0.1:{port}", "AUTH": BENCH_AUTH}):
        for service in (Echo, Caller):
            create_tables(database_url(service.name))
        runner = ServiceRunner()
        for service in (Echo, Caller, BenchGateway, StockEcho, StockCaller):
            runner.add_service(service)
        runner.start()
        try:
            with as_caller("citizen", "bench", timeout=120) as cluster:
                cluster.bench_caller.measure(warmup)
                results["service"] = Latency.of(cluster.bench_caller.measure(calls))
                cluster.bench_stock_caller.measure(warmup)
                results["stock_service"] = Latency.of(
                    cluster.bench_stock_caller.measure(stock_calls)
                )
                results["standalone"] = Latency.of(
                    _timed(cluster.bench_stock_echo.echo, stock_calls, warmup)
                )
            with PlatformClient(
                config["AMQP_URI"],
                key_id=DEVELOPMENT_KEY_ID,
                signing_key=DEVELOPMENT_SIGNING_KEY,
                timeout=10,
            ) as platform:
                echo = platform.acting_for(BENCH_CALLER).bench_echo.echo
                results["client"] = Latency.of(_timed(echo, calls, warmup))
            with requests.Session() as session:
                base = f"http://127.0.0.1:{port}"
                login = {"subject": "bench", "role": "citizen"}
                token = session.post(f"{base}/api/v1/auth/dev-login", json=login, timeout=10)
                session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
                url = f"{base}/bench/echo/"

                def get(number: int) -> None:
                    response = session.get(f"{url}{number}", timeout=10)
                    response.raise_for_status()

                results["http"] = Latency.of(_timed(get, calls, warmup))
        finally:
            runner.stop()
    return results


def _timed(call, calls: int, warmup: int) -> list[float]:
    timings = []
    for number in range(warmup + calls):
        started = time.perf_counter()
        call(number)
        if number >= warmup:
            timings.append(time.perf_counter() - started)
    return timings
