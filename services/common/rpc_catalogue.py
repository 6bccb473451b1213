"""The RPC catalogue, generated from the code: every method a portal may call, for docs/rpc.md.

python -m services.common.rpc_catalogue --write docs/rpc.md

For each service's `rpc` methods: the parameters and answer (from the signature, and the
marshmallow schema a parameter is loaded with), who may call it (the `roles` its
entrypoint declares), and its typed errors (those it declares, those of the gateway routes
that call it, and those every call may meet).
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from marshmallow import Schema
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from services import BUSINESS_SERVICES
from services.common.catalogue import _field_table, write_document
from services.common.errors import (
    Forbidden,
    InvalidInput,
    ServiceError,
    ServiceUnavailable,
    Unauthenticated,
)
from services.common.rpc_entrypoint import ANYONE, Rpc

_LOADS = re.compile(r"load\((\w+), (\w+)")
_CALLS = re.compile(r"self\.(\w+)\.(\w+)\(")

INTRODUCTION = """\
# RPC catalogue

Generated from the code by `python -m services.common.rpc_catalogue --write docs/rpc.md`;
a test fails when this file is stale. Every method below is a nameko RPC on the broker
(exchange `nameko-rpc`, routing key `<service>.<method>`), with JSON arguments and answers.

## Who is calling

A service believes a caller only from a **signed assertion**: a compact JWS (EdDSA over
Ed25519) in the context entry `identity` (the AMQP header `nameko.identity`) with the
audience `rathaus-rpc`, the claims `sub`, `role` (`citizen`, `clerk` or `admin`),
`departments` and `name`, and an `exp` a few minutes ahead, signed with a key the services
trust (`IDENTITY_TRUSTED_KEYS`: key id to public key; the header's `kid` names the key).
The gateway signs every caller whose bearer token it verified. A portal that calls the
services itself gets a key pair of its own (`python -m services.common.identity my-portal`
prints one; the operator adds its public key to `IDENTITY_TRUSTED_KEYS`) and signs the
citizens and clerks it has authenticated. A missing, unsigned, forged, expired or
otherwise unverifiable assertion is an anonymous caller: a method open to anyone answers
it, any other refuses it with `Unauthenticated`, before the method runs. A role the method
does not admit is `Forbidden`.

## Calling from a portal: `services.client`

One connection for the client's life, a deadline on every call, the platform's errors
raised as their own types, and the caller signed with the portal's key:

```python
from services.client import Caller, PlatformClient
from services.applications.errors import CaseNotFound  # every service's errors.py

with PlatformClient(
    "amqp://portal:secret@rabbitmq:5672/",  # the broker, as for the services
    key_id="my-portal",
    signing_key=PORTAL_SIGNING_KEY,  # base64 of the Ed25519 private key
    timeout=5,  # seconds; ServiceUnavailable after that, and the request expires
) as platform:
    offers = platform.anonymous.appointments.list_services()
    anna = platform.acting_for(Caller("anna", "citizen"))
    cases = anna.applications.my_cases()
    try:
        anna.applications.get_case("2026-HUN-000042")
    except CaseNotFound as error:
        print(error.code, error.message, error.details)
```

Threads (or greenthreads) may share one client. A call to a service that is not running
fails at once with `ServiceUnavailable`; one that does not answer in time fails with it at
the deadline.

## Calling with stock nameko: `ClusterRpcClient`

nameko 3's client works too; it opens a connection and a reply queue per client, and its
first positional argument is the context, not the URI. Give it a timeout, or a call to a
service that is down waits for ever, and put the signed assertion into the context:

```python
from nameko.standalone.rpc import ClusterRpcClient
from services.common.identity import Caller, IdentitySigner

signer = IdentitySigner("my-portal", PORTAL_SIGNING_KEY, lifetime=300)
context = signer.context_for(Caller("clara", "clerk", departments=("roads",)))
with ClusterRpcClient(context, uri="amqp://portal:secret@rabbitmq:5672/", timeout=5) as rpc:
    worklist = rpc.feedback.worklist({"status": "submitted"})
```

## Errors every call may meet

| code | type | when |
|---|---|---|
| `service_unavailable` | `ServiceUnavailable` | down, too slow, or its database away: try again |
| `unauthenticated` | `Unauthenticated` | a caller is needed; no assertion verifies |
| `forbidden` | `Forbidden` | the caller's role is not one the method admits |
| `invalid_input` | `InvalidInput` | an argument is not acceptable; `details` names the fields |

Errors are raised as the types in `services/<service>/errors.py` and
`services/common/errors.py`; each has a stable `code`, a `message` for people and
`details` for programs. The HTTP status is the one the gateway answers for it.
"""


def service_class(name: str) -> type:
    module = importlib.import_module(f"services.{name}.service")
    return next(
        value
        for value in vars(module).values()
        if isinstance(value, type) and getattr(value, "name", None) == name
    )


def rpc_methods(cls: type) -> Iterator[tuple[str, Any, Rpc]]:
    for method_name in sorted(dir(cls)):
        method = getattr(cls, method_name)
        for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(entrypoint, Rpc):
                yield method_name, method, entrypoint


def gateway_usage() -> dict[tuple[str, str], list[tuple[str, tuple]]]:
    """(service, method) -> the gateway routes that call it, with the errors they declare."""
    from services.gateway.openapi import routes
    from services.gateway.service import GatewayService

    remotes = {
        attribute: getattr(GatewayService, attribute).target_service
        for attribute in dir(GatewayService)
        if hasattr(getattr(GatewayService, attribute, None), "target_service")
    }
    usage: dict[tuple[str, str], list[tuple[str, tuple]]] = defaultdict(list)
    for method_name, route in routes(GatewayService):
        source = inspect.getsource(getattr(GatewayService, method_name))
        for attribute, called in _CALLS.findall(source):
            if attribute in remotes:
                usage[(remotes[attribute], called)].append(
                    (f"{route.method} {route.url}", route.errors)
                )
    return usage


def render() -> str:
    usage = gateway_usage()
    lines = [INTRODUCTION]
    for name in BUSINESS_SERVICES:
        cls = service_class(name)
        lines += [f"## `{name}`", ""]
        doc = inspect.getdoc(importlib.import_module(f"services.{name}.service"))
        if doc:
            lines += [doc.splitlines()[0], ""]
        for method_name, method, entrypoint in rpc_methods(cls):
            lines += _method(name, method_name, method, entrypoint, usage)
    return "\n".join(lines).rstrip() + "\n"


def _method(service: str, method_name: str, method, entrypoint: Rpc, usage) -> list[str]:
    signature = inspect.signature(method)
    parameters = [p for p in signature.parameters.values() if p.name != "self"]
    routes = usage.get((service, method_name), [])
    lines = [
        f"### `{service}.{method_name}({', '.join(_parameter(p) for p in parameters)})`",
        "",
    ]
    doc = inspect.getdoc(method)
    if doc:
        lines += [doc, ""]
    lines += [
        f"- **Who may call**: {_who(entrypoint.roles)}",
        f"- **Answers**: `{_annotation(signature.return_annotation)}`"
        + (f", as {', '.join(f'`{route}`' for route, _ in routes)} does" if routes else ""),
        f"- **Errors**: {_errors(entrypoint, routes, parameters)}",
        "",
    ]
    for parameter, schema in _loaded_schemas(method).items():
        lines += [f"`{parameter}` ({schema.__name__}):", "", *_field_table(schema()), ""]
    if entrypoint.answers is not None:
        shape = (
            f"a list of {entrypoint.answers.__name__}"
            if entrypoint.many
            else entrypoint.answers.__name__
        )
        lines += [f"The answer ({shape}):", "", *_field_table(entrypoint.answers()), ""]
    return lines


def _parameter(parameter: inspect.Parameter) -> str:
    text = f"{parameter.name}: {_annotation(parameter.annotation)}"
    if parameter.default is not inspect.Parameter.empty:
        text += f" = {parameter.default!r}"
    return text


def _annotation(annotation: Any) -> str:
    if annotation is inspect.Signature.empty:
        return "Any"
    return annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "Any")


def _who(roles: tuple[str, ...] | None) -> str:
    if roles is ANYONE:
        return "anyone, without an assertion too"
    return "a signed caller with the role " + " or ".join(f"`{role}`" for role in roles)


def _errors(entrypoint: Rpc, routes, parameters) -> str:
    kinds: list[type[ServiceError]] = [*entrypoint.errors]
    for _, declared in routes:
        kinds += [kind for kind in declared if isinstance(kind, type)]
    if entrypoint.roles is not ANYONE:
        kinds += [Unauthenticated, Forbidden]
    if parameters:
        kinds.append(InvalidInput)
    kinds.append(ServiceUnavailable)
    unique = {kind.code: kind for kind in kinds if issubclass(kind, ServiceError)}
    return ", ".join(f"`{code}` ({kind.__name__})" for code, kind in sorted(unique.items()))


def _loaded_schemas(method) -> dict[str, type[Schema]]:
    """The marshmallow schema each parameter is loaded with (`load(Schema, parameter)`)."""
    source = inspect.getsource(method)
    names = {p for p in inspect.signature(method).parameters}
    found = {}
    for schema_name, parameter in _LOADS.findall(source):
        schema = method.__globals__.get(schema_name)
        if parameter in names and isinstance(schema, type) and issubclass(schema, Schema):
            found[parameter] = schema
    return found


def main(argv: list[str] | None = None) -> int:
    return write_document(render, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
