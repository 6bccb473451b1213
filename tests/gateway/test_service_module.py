"""The gateway's module, as `nameko run` and the launcher read it."""

from __future__ import annotations

from nameko.cli.utils.import_services import import_services

from services.gateway.service import GatewayService


def test_nameko_finds_exactly_one_service_to_run_in_the_gateway_module():
    assert import_services("services.gateway.service") == [GatewayService]
