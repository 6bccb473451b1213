"""The event catalogue, generated from the code: what each service publishes and who listens.

python -m services.common.catalogue --write docs/events.md
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from marshmallow import Schema, fields
from nameko.events import EventHandler
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from services import ALL_SERVICES
from services.common.events import EnvelopeSchema, EventContract

# what the catalogue says of a transient event (its contract's `transient`)
_TRANSIENT = [
    "Transient: published to `<source>.transient`; dropped and counted when no queue takes it.",
    "",
]


def load_services() -> dict[tuple[str, str], list[str]]:
    """Import every service's contracts and entrypoints; map (source, type) to its handlers."""
    consumers: dict[tuple[str, str], list[str]] = defaultdict(list)
    for name in ALL_SERVICES:
        module = importlib.import_module(f"services.{name}.service")
        for service_class in vars(module).values():
            if getattr(service_class, "name", None) != name:
                continue
            for method_name, method in vars(service_class).items():
                for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
                    if isinstance(entrypoint, EventHandler):
                        key = (entrypoint.source_service, entrypoint.event_type)
                        consumers[key].append(f"{name}.{method_name}")
    return consumers


def render(contracts: list[EventContract], consumers: dict[tuple[str, str], list[str]]) -> str:
    lines = [
        "# Event catalogue",
        "",
        "Generated from the code by `python -m services.common.catalogue --write docs/events.md`;",
        "a test fails when this file is stale. Delivery is at-least-once; every handler is",
        "idempotent through its inbox. An event of `<source>` is published to the topic exchange",
        "`<source>.events` with its type as the routing key; a transient one (a broadcast of the",
        "moment) to `<source>.transient`, where one that no queue takes is dropped and counted",
        "instead of being parked in `rathaus.unroutable`.",
        "",
        "## Envelope",
        "",
        *_field_table(EnvelopeSchema()),
        "",
        "## Events",
        "",
    ]
    if not contracts:
        lines += ["No service publishes events yet.", ""]
    for contract in contracts:
        # a handler bound with "#" takes every event of its source
        listeners = consumers.get((contract.source, contract.type), []) + consumers.get(
            (contract.source, "#"), []
        )
        lines += [
            f"### `{contract.type}` (v{contract.version}, from `{contract.source}`)",
            "",
            contract.description,
            "",
            f"Consumed by: {', '.join(f'`{c}`' for c in listeners) or 'nobody yet'}.",
            "",
            *(_TRANSIENT if contract.transient else []),
            "Leaves the platform (webhooks, the clerks' live stream): "
            + (", ".join(f"`{name}`" for name in sorted(contract.public)) or "nothing")
            + ".",
            "",
            *_field_table(contract.schema()),
            "",
        ]
    return "\n".join(lines)


def _field_table(schema: Schema) -> list[str]:
    rows = ["| field | type | required | meaning |", "|---|---|---|---|"]
    for name, field in schema.fields.items():
        kind = _type_name(field) + (" or null" if field.allow_none else "")
        meaning = field.metadata.get("description", "")
        rows.append(f"| `{name}` | {kind} | {'yes' if field.required else 'no'} | {meaning} |")
    return rows


def _type_name(field: fields.Field) -> str:
    if isinstance(field, fields.List):
        return f"list of {_type_name(field.inner)}"
    if isinstance(field, fields.Nested):
        return "object"
    if isinstance(field, fields.AwareDateTime):
        return "datetime (ISO 8601 with offset)"
    return type(field).__name__.lower()


def generate() -> str:
    # the platform's whole catalogue, which no service of it imports
    from services.contracts import platform_contracts

    return render(platform_contracts(), load_services())


def write_document(
    generate_document: Callable[[], str], description: str, argv: list[str] | None
) -> int:
    """The command line of a generated document: print it, or `--write` it to a file."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--write", type=Path, help="write to this file instead of stdout")
    args = parser.parse_args(argv)
    document = generate_document()
    if args.write:
        args.write.write_text(document)
    else:
        sys.stdout.write(document)
    return 0


def main(argv: list[str] | None = None) -> int:
    return write_document(generate, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    sys.exit(main())
