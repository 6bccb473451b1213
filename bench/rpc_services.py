"""The services the RPC bench calls: an echo, a caller that times its calls, the gateway.

`Echo` and `Caller` are platform services (ServiceBase, RemoteService); the echo needs a
signed-in caller, so every call carries and checks a signed assertion. `StockEcho` and
`StockCaller` are plain nameko 3.0.0rc11 (`rpc`, `ServiceRpc`) for reference.
"""

from __future__ import annotations

import time

from nameko.rpc import ServiceRpc
from nameko.rpc import rpc as stock_rpc

from services.common import service as common
from services.common.context import ROLES
from services.common.identity import SIGNED_IN
from services.common.rpc import RemoteService
from services.gateway.http import api
from services.gateway.service import GatewayService

# the rpc entrypoint the platform's services use
rpc = common.rpc


def _timed_calls(call, calls: int) -> list[float]:
    timings = []
    for number in range(calls):
        started = time.perf_counter()
        call(number)
        timings.append(time.perf_counter() - started)
    return timings


class Echo(common.ServiceBase):
    name = "bench_echo"

    # as the platform's services are called: a signed caller, verified before it runs
    @rpc(roles=SIGNED_IN)
    def echo(self, value):
        return value


class Caller(common.ServiceBase):
    name = "bench_caller"

    echo_service = RemoteService("bench_echo")

    @rpc
    def measure(self, calls: int) -> list[float]:
        """Call the echo service `calls` times in a row; the time each call took, in s."""
        return _timed_calls(self.echo_service.echo, calls)


class BenchGateway(GatewayService):
    """The real gateway (its HTTP server, bearer-token check, error table and context), with
    one route that makes exactly one RPC: no production route does that yet."""

    echo_service = RemoteService("bench_echo")

    @api("GET", "/bench/echo/<int:value>", roles=ROLES)
    def bench_echo(self, request, value: int):
        return {"value": self.echo_service.echo(value)}


class StockEcho:
    name = "bench_stock_echo"

    @stock_rpc
    def echo(self, value):
        return value


class StockCaller:
    name = "bench_stock_caller"

    echo_service = ServiceRpc("bench_stock_echo")

    @stock_rpc
    def measure(self, calls: int) -> list[float]:
        return _timed_calls(self.echo_service.echo, calls)
