"""The clerks' live stream: queue items broadcast on the real broker reach every gateway
instance and, there, the signed-in clerks of their role (and of their department, when the
item names one), as Server-Sent Events."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from urllib.parse import urlparse

import eventlet
import pytest
import requests
import structlog
from nameko import config

from services.common.events import Event
from services.gateway.live import OPENING, LiveHub, frame
from services.gateway.service import GatewayService
from services.gateway.settings import GatewaySettings
from tests.support.gateway import CHALLENGE, DEV_AUTH
from tests.support.processes import free_port
from tests.support.publishing import publish_event
from tests.support.vhosts import queues_bound
from tests.support.waiting import wait_for

STREAM = "/api/v1/notifications/stream"
HEARTBEAT = 0.2


def gateway_config(port: int) -> dict:
    return {
        "AUTH": DEV_AUTH,
        "GATEWAY": {"stream_heartbeat": HEARTBEAT},
        "CHALLENGE": CHALLENGE,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
    }


@pytest.fixture
def start_instance(platform_config, container_factory, rabbit_manager):
    """Start a gateway instance on a port of its own; answer its base URL and container once
    its queue takes the clerks' items."""

    def start() -> tuple[str, object]:
        port = free_port()
        container = container_factory(GatewayService, gateway_config(port))
        before = _bindings(rabbit_manager)
        container.start()
        wait_for(lambda: _bindings(rabbit_manager) > before, timeout=30)
        return f"http://127.0.0.1:{port}", container

    return start


@pytest.fixture
def instance(start_instance):
    return start_instance()


def _bindings(manager) -> int:
    """The gateway instances' queues for the clerks' items, in this test's vhost."""
    vhost = urlparse(config["AMQP_URI"]).path[1:]
    return queues_bound(manager, vhost, "notifications.transient", "clerk_queue_item_added")


def token_for(
    base: str, role: str, subject: str | None = None, departments: list[str] | None = None
) -> dict[str, str]:
    signing_in = {"subject": subject or f"live-{role}", "role": role}
    if departments is not None:
        signing_in["departments"] = departments
    answer = requests.post(f"{base}/api/v1/auth/dev-login", json=signing_in, timeout=5)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


class StreamClient:
    """A stream read in a green thread of its own: its events and comments as they come."""

    def __init__(self, base: str, headers: dict[str, str]) -> None:
        self.response = requests.get(f"{base}{STREAM}", headers=headers, stream=True, timeout=5)
        assert self.response.status_code == 200, self.response.text
        self.events: list[dict[str, str]] = []
        self.comments: list[str] = []
        self.retry: str | None = None
        self.ended = False
        self.reader = eventlet.spawn(self._read)
        wait_for(lambda: self.retry is not None, timeout=5)

    def _read(self) -> None:
        block: dict[str, str] = {}
        try:
            for line in self.response.iter_lines(chunk_size=None, decode_unicode=True):
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                elif line.startswith("retry:"):
                    self.retry = line.partition(":")[2].strip()
                elif line:
                    name, _, value = line.partition(": ")
                    block[name] = value
                elif block:
                    self.events.append(block)
                    block = {}
        except (requests.RequestException, OSError, AttributeError):
            pass  # closed by the test
        self.ended = True

    def items(self) -> list[dict]:
        return [json.loads(event["data"]) for event in self.events]

    def close(self) -> None:
        self.reader.kill()  # first: closing under a pending read is refused
        self.response.close()


@pytest.fixture
def open_stream():
    clients: list[StreamClient] = []

    def open_(base: str, headers: dict[str, str]) -> StreamClient:
        client = StreamClient(base, headers)
        clients.append(client)
        return client

    yield open_
    for client in clients:
        client.close()


def queue_item(role: str = "clerk", **changes) -> dict:
    return {
        "item_id": str(uuid.uuid4()),
        "role": role,
        "event_id": str(uuid.uuid4()),
        "event_type": "applications.application_submitted",
        "title": "Neuer Antrag: Anwohnerparkausweis",
        "facts": {"application_type": "anwohnerparken", "case_id": "C-2026-0042"},
        "created_at": datetime.now(UTC).isoformat(),
        **changes,
    }


def broadcast(*payloads: dict, event_type: str = "clerk_queue_item_added") -> None:
    """As the notifications service does: on its transient exchange, in order."""
    for payload in payloads:
        publish_event("notifications", Event(type=event_type, payload=payload))


def hub_of(container) -> LiveHub:
    """The clerks' queue hub itself, not a hub built on it (the desk's)."""
    return next(extension for extension in container.extensions if type(extension) is LiveHub)


def test_every_gateway_instance_pushes_a_broadcast_item_to_its_clerks(start_instance, open_stream):
    first, _ = start_instance()
    second, _ = start_instance()
    on_first = open_stream(first, token_for(first, "clerk", "clara"))
    on_second = open_stream(second, token_for(second, "clerk", "konrad"))
    item = queue_item()

    broadcast(item)

    for client in (on_first, on_second):
        [event] = wait_for(lambda client=client: client.events, timeout=5)
        assert event == {"id": item["item_id"], "event": "queue_item", "data": event["data"]}
        assert json.loads(event["data"]) == item
        assert client.retry == "3000"


def test_the_stream_is_an_uncached_unbuffered_event_stream_with_heartbeats(instance, open_stream):
    base, _ = instance

    client = open_stream(base, token_for(base, "clerk"))

    headers = client.response.headers
    assert headers["Content-Type"] == "text/event-stream"
    assert headers["Cache-Control"] == "no-cache"
    assert headers["X-Accel-Buffering"] == "no"
    wait_for(lambda: "keep-alive" in client.comments, timeout=HEARTBEAT * 10)
    assert client.comments[0].startswith("connected")


def test_an_item_for_another_role_reaches_admins_but_not_clerks(instance, open_stream):
    base, _ = instance
    clerk = open_stream(base, token_for(base, "clerk"))
    admin = open_stream(base, token_for(base, "admin"))
    for_registry = queue_item(role="registry")
    for_clerks = queue_item(role="clerk")

    broadcast(for_registry, for_clerks)

    assert wait_for(lambda: len(admin.items()) == 2 and admin.items(), timeout=5) == [
        for_registry,
        for_clerks,
    ]
    # one queue, in order: once the clerks' item is there, the other one would have been
    assert wait_for(clerk.items, timeout=5) == [for_clerks]


def test_a_department_item_reaches_its_departments_clerks_and_admins_only(instance, open_stream):
    base, _ = instance
    roads = open_stream(base, token_for(base, "clerk", "rita", ["environment", "roads"]))
    parks = open_stream(base, token_for(base, "clerk", "paul", ["environment"]))
    admin = open_stream(base, token_for(base, "admin"))
    for_roads = queue_item(department="roads", event_type="feedback.report_submitted")
    for_everyone = queue_item()

    broadcast(for_roads, for_everyone)

    assert wait_for(lambda: len(roads.items()) == 2 and roads.items(), timeout=5) == [
        for_roads,
        for_everyone,
    ]
    assert wait_for(lambda: len(admin.items()) == 2 and admin.items(), timeout=5) == [
        for_roads,
        for_everyone,
    ]
    # one queue, in order: once the role's item is there, the department's would have been
    assert wait_for(parks.items, timeout=5) == [for_everyone]


def test_a_citizen_is_refused_and_a_caller_without_a_token_must_sign_in(instance):
    base, container = instance

    as_citizen = requests.get(f"{base}{STREAM}", headers=token_for(base, "citizen"), timeout=5)
    anonymous = requests.get(f"{base}{STREAM}", timeout=5)

    assert as_citizen.status_code == 403
    assert as_citizen.json()["error"]["code"] == "forbidden"
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthenticated"
    assert hub_of(container).listeners == set()


def test_a_head_request_answers_the_headers_without_opening_a_stream(instance):
    base, container = instance

    answer = requests.head(f"{base}{STREAM}", headers=token_for(base, "clerk"), timeout=5)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/event-stream"
    assert hub_of(container).listeners == set()


def test_the_hub_forgets_a_client_that_went_away(instance, open_stream):
    base, container = instance
    client = open_stream(base, token_for(base, "clerk"))
    assert len(hub_of(container).listeners) == 1

    client.close()

    # the next heartbeat finds the connection gone
    wait_for(lambda: not hub_of(container).listeners, timeout=HEARTBEAT * 10)


def test_an_item_that_breaks_its_contract_is_dropped_with_a_log_line(instance, open_stream):
    base, _ = instance
    client = open_stream(base, token_for(base, "clerk"))
    broken = queue_item(item_id="not-a-uuid")
    good = queue_item()

    with structlog.testing.capture_logs() as logs:
        broadcast(broken, good)
        assert wait_for(client.items, timeout=5) == [good]

    [dropped] = [line for line in logs if line["event"] == "live_queue_item_dropped"]
    assert "item_id" in dropped["reason"]


def test_stopping_the_gateway_ends_the_streams(instance, open_stream):
    base, container = instance
    client = open_stream(base, token_for(base, "clerk"))

    container.stop()

    wait_for(lambda: client.ended, timeout=5)
    assert hub_of(container).listeners == set()


def test_a_client_that_cannot_keep_up_is_disconnected_and_forgotten():
    hub = LiveHub()
    hub.settings = GatewaySettings(stream_backlog=2)
    stream = hub.frames("clara", "clerk")
    assert next(stream) == OPENING
    first, second, third = queue_item(), queue_item(), queue_item()

    with structlog.testing.capture_logs() as logs:
        handed = [hub.publish(item) for item in (first, second, third)]

    assert handed == [1, 1, 0]
    assert hub.listeners == set()
    assert [line["event"] for line in logs] == [
        "live_stream_dropped_slow_client",
        "live_stream_closed",
    ]
    # what it had not written yet is not written: the client reconnects and reads its inbox
    assert list(stream) == []


def test_a_stream_writes_each_item_as_one_event_named_by_its_id():
    item = queue_item(title="Zeile eins\nZeile zwei")

    written = frame(item).decode()

    head, data, end = written.partition("data: ")[0], written.partition("data: ")[2], "\n\n"
    assert head == f"id: {item['item_id']}\nevent: queue_item\n"
    assert data.endswith(end) and "\n" not in data.removesuffix(end)
    assert json.loads(data) == item


def test_a_clerk_without_departments_gets_no_department_items():
    hub = LiveHub()
    hub.settings = GatewaySettings(stream_backlog=5)
    clara = hub.listen("clara", "clerk")
    rita = hub.listen("rita", "clerk", ("roads",))

    handed = hub.publish(queue_item(department="roads"))

    assert handed == 1
    assert clara.queue.qsize() == 0 and rita.queue.qsize() == 1
