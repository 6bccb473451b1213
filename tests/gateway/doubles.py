"""Test doubles: a service that shows what reached it, and the gateway with routes to it.

`GatewayUnderTest` adds routes to the real gateway class through the same `api` machinery,
so the plumbing (context, error table) is exercised without test routes in production.
"""

from __future__ import annotations

import eventlet
from marshmallow import Schema, fields
from nameko.extensions import DependencyProvider

from services.common.context import ROLES, RequestContext
from services.common.errors import Conflict
from services.common.rpc import RemoteService
from services.common.rpc_entrypoint import rpc
from services.gateway.appointment_schemas import IsoDate
from services.gateway.http import SIGN_IN_OPTIONAL, api
from services.gateway.service import GatewayService


class ContextData(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return worker_ctx.context_data


class Echo:
    name = "echo"
    context_data = ContextData()
    caller = RequestContext()

    @rpc
    def context(self) -> dict:
        """The correlation id that reached it, and the caller as its signature proves."""
        context = {"correlation_id": self.context_data.get("correlation_id")}
        if self.caller.is_authenticated:
            context.update(user_id=self.caller.subject, user_role=self.caller.role)
        if self.caller.departments:
            context["user_departments"] = list(self.caller.departments)
        return context

    @rpc
    def book_taken_slot(self) -> None:
        raise Conflict("That slot is taken.", {"slot": "2026-03-02T09:00"})

    @rpc
    def crash(self) -> None:
        raise RuntimeError("internals: password=hunter2")


class Search(Schema):
    service = fields.String(required=True)
    date_from = IsoDate(required=True, data_key="from")
    page = fields.Integer()
    tags = fields.List(fields.String())


class Proof(Schema):
    altcha = fields.String()


class Options(Schema):
    """A body every field of which may be left out."""

    colour = fields.String()
    size = fields.Integer()


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

    @api("GET", "/test/search", query=Search)
    def search(self, request, query):
        """The query as the route received it."""
        return query

    @api("GET", "/test/whoami", roles=SIGN_IN_OPTIONAL)
    def whoami(self, request):
        """Who the caller is, if anyone."""
        return {"subject": self.caller.subject, "role": self.caller.role}

    @api("POST", "/test/proof", body=Proof)
    def proof(self, request, body):
        """The id of the challenge the body's `altcha` solves."""
        return {"challenge": self.proof_of_work.verify(body.get("altcha"))}

    @api("POST", "/test/options", body=Options)
    def options(self, request, body):
        """The body as the route loaded it."""
        return body

    @api("GET", "/test/limited", rate_limit="test")
    def limited(self, request):
        return {"ok": True}


class GatewayWithAnUnknownLimit(GatewayService):
    @api("GET", "/test/typo", rate_limit="bookings")
    def typo(self, request):
        return {}


class StuckFeedback:
    """Stands in for the feedback service and is slow to say how it is."""

    name = "feedback"

    @rpc
    def health(self) -> dict:
        eventlet.sleep(1.5)
        return {"status": "ok", "database": "ok"}
