"""Operator command for the broker: move the platform's queues to their current declaration.

    rathaus-broker migrate-queues [--dry-run]
    rathaus-broker queues

A queue's type and arguments are fixed when it is declared. Versions before the quorum
queues declared every queue as a classic queue; a service of this version declaring the
same name is refused by the broker (PRECONDITION_FAILED) and stops, naming this command.
`migrate-queues` moves each queue of ours whose declaration differs (`topology.is_ours`,
`topology.queue_arguments`) to a quorum queue of the same name, messages and bindings
included:

1. a holding queue (`rathaus.migrating.<name>`, declared as the new queue will be) takes
   over the queue's bindings, so what is published meanwhile lands there;
2. the old queue's messages move to it, each acknowledged only after the broker confirmed
   its copy, with its routing key, headers and properties; then the old queue is deleted;
3. the queue is declared anew, takes its bindings back, and the holding queue's messages
   move into it; the holding queue is deleted.

Each step is idempotent: a migration cut short is finished by running the command again.
Stop the services first: a queue that has consumers is not moved (an old service would
declare it again as it was). RPC requests waiting in an `rpc-*` queue are dropped, not moved:
their callers have given up (RPC_TIMEOUT), and a request run after its caller was told that
it failed would do what the citizen was told was not done.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import amqp
import requests
from kombu import Connection

from services.common.settings import DEFAULT_AMQP_URI
from services.common.topology import RPC_QUEUE_PREFIX, is_ours, queue_arguments

HOLDING_PREFIX = "rathaus.migrating."
# a fanout exchange per target queue: a message moved through it keeps its routing key,
# which a delay queue's dead-lettering routes it back by
MOVER_PREFIX = "rathaus.migrate-into."
HTTP_TIMEOUT = 30.0
# message properties a moved message keeps (user_id would have to match our own login)
_KEPT_PROPERTIES = (
    "content_type",
    "content_encoding",
    "delivery_mode",
    "priority",
    "correlation_id",
    "reply_to",
    "expiration",
    "message_id",
    "timestamp",
    "type",
    "app_id",
)


class MigrationRefused(RuntimeError):
    """A queue cannot be moved now (it has consumers); nothing of it was changed."""


@dataclass(frozen=True)
class Binding:
    source: str
    routing_key: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass
class Moved:
    queue: str
    messages: int = 0
    dropped: int = 0


class Management:
    """The few calls of the broker's management HTTP API the migration needs."""

    def __init__(self, url: str, vhost: str, auth: tuple[str, str]) -> None:
        self.url = url.rstrip("/")
        self.vhost = quote(vhost, safe="")
        self.auth = auth

    def _get(self, path: str) -> Any:
        response = requests.get(f"{self.url}/api/{path}", auth=self.auth, timeout=HTTP_TIMEOUT)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()

    def queues(self) -> list[dict[str, Any]]:
        return self._get(f"queues/{self.vhost}?columns=name,type,arguments,consumers") or []

    def queue(self, name: str) -> dict[str, Any] | None:
        return self._get(f"queues/{self.vhost}/{quote(name, safe='')}")

    def bindings(self, name: str) -> list[Binding]:
        """The queue's bindings, but for the default exchange's, which every queue has."""
        found = self._get(f"queues/{self.vhost}/{quote(name, safe='')}/bindings") or []
        return [
            Binding(item["source"], item["routing_key"], item.get("arguments") or {})
            for item in found
            if item["source"] != ""
        ]


def needs_moving(queue: dict[str, Any]) -> bool:
    """A queue of ours whose type or arguments differ from what this version declares."""
    name = queue["name"]
    if not is_ours(name) or name.startswith(HOLDING_PREFIX):
        return False
    return (queue.get("arguments") or {}) != queue_arguments(name)


def plan(management: Management) -> list[str]:
    """The queues to move (or to finish moving) in the vhost, in name order."""
    names = {queue["name"] for queue in management.queues() if needs_moving(queue)}
    # a migration cut short left a holding queue behind
    names |= {
        queue["name"].removeprefix(HOLDING_PREFIX)
        for queue in management.queues()
        if queue["name"].startswith(HOLDING_PREFIX)
    }
    return sorted(names)


def migrate_queue(connection: amqp.Connection, management: Management, name: str) -> Moved:
    holding = HOLDING_PREFIX + name
    arguments = queue_arguments(name)
    moved = Moved(name)
    channel = connection.channel()
    try:
        current = management.queue(name)
        if current is not None and needs_moving(current):
            if current.get("consumers"):
                raise MigrationRefused(
                    f"{name} has {current['consumers']} consumer(s): stop the services first"
                )
            bindings = management.bindings(name)
            channel.queue_declare(holding, durable=True, auto_delete=False, arguments=arguments)
            _rebind(channel, bindings, holding, name)
            if name.startswith(RPC_QUEUE_PREFIX):
                moved.dropped += channel.queue_purge(name) or 0
            else:
                moved.messages += _move(connection, name, holding)
            channel.queue_delete(name, if_empty=True)
        if management.queue(holding) is not None:
            bindings = management.bindings(holding)
            channel.queue_declare(name, durable=True, auto_delete=False, arguments=arguments)
            _rebind(channel, bindings, name, holding)
            # a quorum queue cannot be deleted "if empty": empty it until it stays so
            while _move(connection, holding, name) or _waiting(channel, holding):
                pass
            channel.queue_delete(holding)
        elif current is None:
            channel.queue_declare(name, durable=True, auto_delete=False, arguments=arguments)
    finally:
        channel.close()
    return moved


def _rebind(channel, bindings: list[Binding], to: str, away_from: str) -> None:
    """Bind `to` as `away_from` is bound, then unbind `away_from`: never neither bound."""
    for item in bindings:
        channel.queue_bind(
            to, exchange=item.source, routing_key=item.routing_key, arguments=item.arguments
        )
    for item in bindings:
        channel.queue_unbind(
            away_from, exchange=item.source, routing_key=item.routing_key, arguments=item.arguments
        )


def _waiting(channel, queue: str) -> int:
    _name, messages, _consumers = channel.queue_declare(queue, passive=True)
    return int(messages)


def _move(connection: amqp.Connection, source: str, target: str) -> int:
    """Move every message of `source` to `target`; each original is acknowledged only once
    the broker confirmed its copy, so a crash leaves a message in one queue or both (a
    duplicate the handlers' inboxes ignore), never in neither."""
    mover = MOVER_PREFIX + target
    reading = connection.channel()
    writing = connection.channel()
    writing.confirm_select()
    writing.exchange_declare(mover, "fanout", durable=False, auto_delete=False)
    writing.queue_bind(target, exchange=mover, routing_key="")
    count = 0
    try:
        while (message := reading.basic_get(source, no_ack=False)) is not None:
            properties = {
                key: message.properties[key]
                for key in _KEPT_PROPERTIES
                if key in message.properties
            }
            copy = amqp.Message(
                message.body,
                application_headers=message.properties.get("application_headers") or {},
                **properties,
            )
            writing.basic_publish_confirm(
                copy, exchange=mover, routing_key=message.delivery_info["routing_key"]
            )
            reading.basic_ack(message.delivery_tag)
            count += 1
    finally:
        writing.exchange_delete(mover)
        reading.close()
        writing.close()
    return count


def migrate_queues(
    amqp_uri: str,
    management_url: str | None = None,
    *,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
) -> list[Moved]:
    """Move every queue of ours in the AMQP URI's vhost that needs it; what was moved."""
    with Connection(amqp_uri.split(";")[0]) as connection:
        connection.ensure_connection(max_retries=3)
        management = Management(
            management_url or _management_url(connection),
            connection.virtual_host,
            (connection.userid, connection.password),
        )
        names = plan(management)
        if not names:
            say(f"all queues of vhost {connection.virtual_host!r} are as this version declares")
            return []
        results = []
        for name in names:
            if dry_run:
                say(f"would move {name}")
                continue
            moved = migrate_queue(connection.connection, management, name)
            dropped = f", dropped {moved.dropped} stale RPC request(s)" if moved.dropped else ""
            say(f"moved {name} to a quorum queue ({moved.messages} message(s){dropped})")
            results.append(moved)
        return results


def _management_url(connection: Connection) -> str:
    return f"http://{connection.hostname}:15672"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rathaus-broker", description=__doc__.splitlines()[0])
    parser.add_argument("--amqp-uri", default=None, help="default: $AMQP_URI or the local broker")
    parser.add_argument(
        "--management-url",
        default=os.environ.get("RABBITMQ_MANAGEMENT_URL"),
        help="the management API (default: $RABBITMQ_MANAGEMENT_URL or port 15672 of the "
        "AMQP host); the AMQP URI's credentials are used",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser(
        "migrate-queues", help="move classic queues of ours to quorum queues, messages kept"
    )
    migrate.add_argument("--dry-run", action="store_true", help="only say what would move")
    commands.add_parser("queues", help="list the queues of ours that need moving")
    args = parser.parse_args(argv)

    uri = args.amqp_uri or os.environ.get("AMQP_URI") or DEFAULT_AMQP_URI
    try:
        migrate_queues(uri, args.management_url, dry_run=args.command == "queues" or args.dry_run)
    except MigrationRefused as refusal:
        print(f"rathaus-broker: {refusal}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
