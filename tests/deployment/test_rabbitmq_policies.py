"""deploy/rabbitmq/policies.sh applied to the real broker, in a vhost of the test's own.

Needs the RabbitMQ of this machine with its management plugin, like tests/integration.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
import requests
from kombu import Connection, Queue
from nameko.rpc import RPC_QUEUE_TEMPLATE
from nameko.standalone.events import get_event_exchange

from services.common.topology import (
    DEAD_LETTER_QUEUE,
    REDELIVER_EXCHANGE,
    UNROUTABLE_QUEUE,
    delay_exchange,
    delay_queue,
    queue_arguments,
)
from tests.support.publishing import confirmed_connection

from .files import POLICIES_SCRIPT, k8s_objects


@pytest.fixture
def management(request):
    """Base URL and credentials of the broker's management API (nameko's --rabbit-api-uri)."""
    api = urlparse(request.config.getoption("RABBIT_API_URI"))
    return {
        "url": f"{api.scheme}://{api.hostname}:{api.port or 15672}",
        "host": api.hostname,
        "port": str(api.port or 15672),
        "auth": (api.username or "guest", api.password or "guest"),
    }


@pytest.fixture
def rabbitmqadmin(management, tmp_path) -> Path:
    """The broker's own rabbitmqadmin, which it serves at /cli/rabbitmqadmin."""
    response = requests.get(f"{management['url']}/cli/rabbitmqadmin", timeout=10)
    response.raise_for_status()
    path = tmp_path / "rabbitmqadmin"
    path.write_bytes(response.content)
    path.chmod(0o755)
    return path


def apply_policies(management, rabbitmqadmin: Path, vhost: str) -> str:
    user, password = management["auth"]
    result = subprocess.run(
        ["/bin/sh", str(POLICIES_SCRIPT)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "RABBITMQADMIN": str(rabbitmqadmin),
            "RABBITMQ_HOST": management["host"],
            "RABBITMQ_MANAGEMENT_PORT": management["port"],
            "RABBITMQ_USER": user,
            "RABBITMQ_PASSWORD": password,
            "RABBITMQ_VHOST": vhost,
            "RABBITMQ_WAIT_TRIES": "3",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def drain(connection: Connection, queue_name: str, expected: int, timeout: float = 10.0):
    """Take up to `expected` messages from a queue, waiting for them up to `timeout`."""
    queue = Queue(queue_name, durable=True)(connection.channel())
    taken = []
    deadline = time.monotonic() + timeout
    while len(taken) < expected and time.monotonic() < deadline:
        message = queue.get(no_ack=True)
        if message is None:
            time.sleep(0.05)
            continue
        taken.append((message.payload, message.delivery_info["routing_key"]))
    return taken


def effective_policy(management, vhost: str, kind: str, name: str, timeout: float = 15.0):
    """The policy the broker applies to a queue or exchange, once its stats show it."""
    url = f"{management['url']}/api/{kind}/{quote(vhost, safe='')}/{quote(name, safe='')}"
    deadline = time.monotonic() + timeout
    while True:
        found = requests.get(url, auth=management["auth"], timeout=10).json()
        if kind == "exchanges" or "effective_policy_definition" in found:
            return found.get("policy"), found.get("effective_policy_definition")
        if time.monotonic() > deadline:
            return found.get("policy"), None
        time.sleep(0.5)


def test_policies_keep_events_no_queue_would_take_and_expire_stale_rpc_requests(
    management, rabbitmqadmin, rabbit_uri
):
    vhost = urlparse(rabbit_uri).path[1:]
    apply_policies(management, rabbitmqadmin, vhost)
    # running it again changes nothing and does not fail
    apply_policies(management, rabbitmqadmin, vhost)

    with confirmed_connection(rabbit_uri) as connection:
        producer = connection.Producer(connection.channel())
        # an event published before any consumer declared its handler queue
        events = get_event_exchange("applications")
        producer.publish(
            {"event": 1}, exchange=events, routing_key="application_submitted", declare=[events]
        )
        # a retry coming back, by dead-lettering, for a handler queue that no longer exists
        gone = "evt-applications-application_submitted--retired.handler"
        producer.publish(
            {"retry": 1},
            exchange=delay_exchange(50),
            routing_key=gone,
            declare=[delay_queue(50), REDELIVER_EXCHANGE],
        )
        kept = drain(connection, "rathaus.unroutable", expected=2)
        # the services' request queue, a quorum queue, as they declare it
        rpc_queue = RPC_QUEUE_TEMPLATE.format("notifications")
        Queue(rpc_queue, durable=True, queue_arguments=queue_arguments(rpc_queue))(
            connection.channel()
        ).declare()
        # what the script declared is what the services declare: no PRECONDITION_FAILED
        for queue in (DEAD_LETTER_QUEUE, UNROUTABLE_QUEUE):
            queue(connection.channel()).declare()

    assert sorted(kept, key=str) == sorted(
        [({"event": 1}, "application_submitted"), ({"retry": 1}, gone)], key=str
    )
    policy, definition = effective_policy(
        management, vhost, "queues", RPC_QUEUE_TEMPLATE.format("notifications")
    )
    assert policy == "rathaus-rpc-requests"
    assert definition == {"message-ttl": 30000}


def test_no_policy_limits_handler_delay_or_dead_letter_queues(
    management, rabbitmqadmin, rabbit_uri
):
    vhost = urlparse(rabbit_uri).path[1:]
    apply_policies(management, rabbitmqadmin, vhost)
    policies = requests.get(
        f"{management['url']}/api/policies/{quote(vhost, safe='')}",
        auth=management["auth"],
        timeout=10,
    ).json()

    never_limited = [
        "evt-applications-application_submitted--notifications.send_receipt",
        delay_queue(1000).name,
        DEAD_LETTER_QUEUE.name,
        "rathaus.unroutable",
    ]
    for policy in policies:
        if policy["apply-to"] in ("queues", "all"):
            matched = [name for name in never_limited if re.search(policy["pattern"], name)]
            assert matched == [], f"{policy['name']} applies to {matched}"
    assert {policy["name"] for policy in policies} == {
        "rathaus-unroutable",
        "rathaus-rpc-requests",
    }


def test_the_worker_readiness_probe_passes_only_while_the_broker_answers(rabbit_uri):
    probe = k8s_objects("Deployment")["notifications"]["spec"]["template"]["spec"]["containers"][0][
        "readinessProbe"
    ]["exec"]["command"]
    assert probe[0] == "python"

    def run(amqp_uri: str) -> int:
        return subprocess.run(
            [sys.executable, *probe[1:]],
            env={**os.environ, "AMQP_URI": amqp_uri},
            capture_output=True,
            timeout=60,
            check=False,
        ).returncode

    assert run(rabbit_uri) == 0
    closed = urlparse(rabbit_uri)._replace(netloc="guest:guest@127.0.0.1:1").geturl()
    assert run(closed) != 0
