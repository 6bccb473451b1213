"""Test doubles: a service that shows what reached it, and the gateway with routes to it.

`GatewayUnderTest` adds routes to the real gateway class through the same `api` machinery,
so the plumbing (context, error table) is exercised without test routes in production.
"""

from __future__ import annotations

import eventlet
from nameko.extensions import DependencyProvider

from services.common.context import ROLES
from services.common.errors import Conflict
from services.common.rpc import RemoteService
from services.common.rpc_entrypoint import rpc
from services.gateway.http import api
from services.gateway.service import GatewayService


class ContextData(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return worker_ctx.context_data


class Echo:
    name = "echo"
    context_data = ContextData()

    @rpc
    def context(self) -> dict:
        return {key: value for key, value in self.context_data.items() if key != "call_id_stack"}

    @rpc
    def book_taken_slot(self) -> None:
        raise Conflict("That slot is taken.", {"slot": "2026-03-02T09:00"})

    @rpc
    def crash(self) -> None:
        raise RuntimeError("internals: password=hunter2")


class GatewayUnderTest(GatewayService):
    echo = RemoteService("echo")

    @api("GET", "/test/echo", roles=ROLES)
    def echo_context(self, request):
        """What the echo service received with the call."""
        return self.echo.context()

    @api("GET", "/test/conflict")
    def conflict(self, request):
        return self.echo.book_taken_slot()

    @api("GET", "/test/remote-crash")
    def remote_crash(self, request):
        return self.echo.crash()

    @api("GET", "/test/local-crash")
    def local_crash(self, request):
        raise KeyError("internals: password=hunter2")


class StuckFeedback:
    """Stands in for the feedback service and is slow to say how it is."""

    name = "feedback"

    @rpc
    def health(self) -> dict:
        eventlet.sleep(1.5)
        return {"status": "ok", "database": "ok"}
