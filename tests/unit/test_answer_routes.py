"""A gateway route that shows a service's own schema answers with the RPC that declares it.

The gateway does not dump an answer through a schema its service owns: the service has
dumped it already (`@rpc(answers=...)`). That is only as safe as the two naming the same
schema; a route whose schema were narrower than its RPC's would pass on what it means to
leave out.
"""

from __future__ import annotations

import inspect
import re

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from services import ALL_SERVICES
from services.common.rpc_catalogue import service_class
from services.common.rpc_entrypoint import Rpc
from services.gateway.http import Route, _owned_by_a_service

CALL = re.compile(r"self\.(\w+)\.(\w+)\(")


def entrypoints(cls: type, kind: type) -> dict[str, object]:
    found = {}
    for klass in reversed(cls.__mro__):
        for name, method in vars(klass).items():
            for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(entrypoint, kind):
                    found[name] = (method, entrypoint)
    return found


SERVICES = {name: service_class(name) for name in ALL_SERVICES}
RPCS = {
    name: {method: rpc for method, (_, rpc) in entrypoints(cls, Rpc).items()}
    for name, cls in SERVICES.items()
    if name != "gateway"
}
ROUTES = {
    name: (method, route)
    for name, (method, route) in entrypoints(SERVICES["gateway"], Route).items()
    if route.response is not None
    and _owned_by_a_service(route.response)
    # a stream passes the documents data plane's answer on as it comes, never dumping it
    and not hasattr(route, "upstream")
}


def test_the_gateway_shows_services_own_schemas():
    assert len(ROUTES) > 40


@pytest.mark.parametrize("route_name", sorted(ROUTES))
def test_a_route_with_a_services_schema_calls_an_rpc_that_answers_in_it(route_name):
    method, route = ROUTES[route_name]
    calls = [
        RPCS[service][rpc]
        for service, rpc in CALL.findall(inspect.getsource(method))
        if service in RPCS and rpc in RPCS[service]
    ]

    assert calls, f"{route_name} calls no RPC"
    assert calls[-1].answers is route.response, route_name
