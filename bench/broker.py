"""A throwaway RabbitMQ vhost for one bench run, made and removed over the management API."""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import requests
from kombu.utils.url import parse_url


def unreachable(amqp_uri: str) -> bool:
    """Say so on stderr when the broker does not answer: every bench needs it."""
    from services.common.amqp import broker_reachable

    problem = broker_reachable(amqp_uri)
    if problem is not None:
        print(f"RabbitMQ is not reachable at {amqp_uri}: {problem}", file=sys.stderr)
    return problem is not None


def management_url(amqp_uri: str) -> str:
    parts = parse_url(amqp_uri)
    return os.environ.get("RABBITMQ_MANAGEMENT_URL", f"http://{parts['hostname']}:15672")


@contextlib.contextmanager
def throwaway_vhost(amqp_uri: str) -> Iterator[str]:
    """Yield the AMQP URI of a fresh vhost; delete the vhost (and all in it) afterwards."""
    parts = parse_url(amqp_uri)
    user, password = parts["userid"] or "guest", parts["password"] or "guest"
    api = management_url(amqp_uri)
    vhost = f"bench-{uuid.uuid4().hex[:8]}"
    session = requests.Session()
    session.auth = (user, password)
    try:
        session.put(f"{api}/api/vhosts/{quote(vhost)}", timeout=10).raise_for_status()
    except requests.RequestException as error:
        raise SystemExit(
            f"The bench needs the RabbitMQ management plugin at {api} to make a vhost: {error}"
        ) from None
    try:
        session.put(
            f"{api}/api/permissions/{quote(vhost)}/{quote(user)}",
            json={"configure": ".*", "write": ".*", "read": ".*"},
            timeout=10,
        ).raise_for_status()
        port = parts["port"] or 5672
        yield f"pyamqp://{quote(user)}:{quote(password)}@{parts['hostname']}:{port}/{vhost}"
    finally:
        try:
            session.delete(f"{api}/api/vhosts/{quote(vhost)}", timeout=30).raise_for_status()
        except requests.RequestException as error:
            print(f"could not delete the vhost {vhost}: {error}", file=sys.stderr)
