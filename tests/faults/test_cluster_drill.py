"""The broker drill: a RabbitMQ node stops in the middle of a load of applications and
reports, on a real three-node cluster of this machine (scripts/rabbitmq-cluster).

Every service runs as a process of its own with the three nodes as failover URIs. Citizens
submit applications and report problems through the gateway, each retrying with its
idempotency key until it is accepted, as a client does. The node the services are connected
to stops while they do. Then: every submission and report is accepted once, each has its
one case or report and its one receipt in the citizen's inbox (nothing lost, nothing done
twice), and the services keep answering through the other nodes and after the node is back.

Not part of `make test` (marker `drill`, deselected unless asked for): `make drill`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from services.common.topology import HANDLER_QUEUE_PREFIX, RPC_QUEUE_PREFIX
from tests.gateway.test_challenge import solved
from tests.support.processes import REPO, dying_with_parent, free_port, stop_gently
from tests.support.smtp import MailCatcher
from tests.support.vhosts import platform_vhost
from tests.support.waiting import wait_for

# starting the three nodes takes a minute on a busy machine, the load and its checks two
pytestmark = [pytest.mark.drill, pytest.mark.timeout(420)]

CLUSTER = REPO / "scripts" / "rabbitmq-cluster"
NODE_PORTS = (5681, 5682, 5683)
MANAGEMENT = "http://127.0.0.1:15681/api"
# a node that stays up, to ask while the first is down
SURVIVOR = "http://127.0.0.1:15682/api"
AUTH = ("guest", "guest")
SERVICES = ("appointments", "applications", "documents", "notifications", "feedback", "gateway")
APPLICATIONS = 40
REPORTS = 40
CLIENTS = 4
# the node all services connect to first, and the one the drill stops
STOPPED_NODE = "rathaus-c1@localhost"


def cluster(command: str, timeout: float = 240) -> str:
    done = subprocess.run(
        [str(CLUSTER), command], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def rabbitmqctl(*args: str) -> None:
    subprocess.run(
        ["rabbitmqctl", "-n", STOPPED_NODE, *args],
        check=True,
        capture_output=True,
        timeout=120,
    )


def port_answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def three_nodes() -> Iterator[None]:
    """The cluster, started for the drill unless it runs already (then left running)."""
    was_running = all(port_answers(port) for port in NODE_PORTS)
    cluster("start")
    yield
    if not was_running:
        cluster("stop")


@pytest.fixture
def vhost(three_nodes) -> Iterator[str]:
    with platform_vhost(MANAGEMENT, "drill-") as name:
        yield name


@dataclass
class Platform:
    url: str
    vhost: str
    processes: dict[str, subprocess.Popen]
    logs: Path

    def log(self, service: str) -> str:
        return (self.logs / f"{service}.log").read_text()[-3000:]

    def alive(self) -> None:
        for name, process in self.processes.items():
            assert process.poll() is None, f"{name} exited: {self.log(name)}"


@pytest.fixture
def platform(vhost, database_url, tmp_path) -> Iterator[Platform]:
    mail = MailCatcher(free_port(), tmp_path / "mail").start()
    port, data_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    failover = ";".join(f"pyamqp://guest:guest@127.0.0.1:{p}/{vhost}" for p in NODE_PORTS)
    env = {
        **os.environ,
        "AMQP_URI": failover,
        "DATABASE_URL": database_url,
        "GATEWAY_ADDRESS": f"127.0.0.1:{port}",
        "PORTAL_URL": url,
        "DOCUMENTS_DATA_ADDRESS": f"127.0.0.1:{data_port}",
        "DOCUMENTS_URL": f"http://127.0.0.1:{data_port}",
        "DOCUMENTS_STORAGE_PATH": str(tmp_path / "documents"),
        "METRICS_ADDRESS": "",
        "NOTIFICATIONS_EMAIL_TRANSPORT": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail.port),
        "ALTCHA_MAX_NUMBER": "2000",
        "RATE_LIMIT_PARTICIPATION_PER_MINUTE": "100000",
        "RATE_LIMIT_PARTICIPATION_BURST": "10000",
        "OUTBOX_SWEEP_INTERVAL": "0.5",
        "LOG_FORMAT": "json",
        "DEMO_DATA": "true",
    }
    processes = {}
    for service in SERVICES:
        processes[service] = subprocess.Popen(
            dying_with_parent(
                [
                    sys.executable,
                    "-m",
                    "services.launch",
                    "--config",
                    "config/local.yaml",
                    "--service",
                    service,
                ]
            ),
            cwd=REPO,
            env=env,
            stdout=(tmp_path / f"{service}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
    platform = Platform(url, vhost, processes, tmp_path)
    try:
        wait_for(lambda: all_healthy(platform), timeout=90, interval=0.5)
        yield platform
    finally:
        stop_gently(*processes.values(), timeout=20)
        mail.stop()


def all_healthy(platform: Platform) -> bool:
    platform.alive()
    try:
        answer = requests.get(f"{platform.url}/health", timeout=5)
    except requests.ConnectionError:
        return False
    return answer.status_code == 200


def token(platform: Platform, subject: str) -> dict[str, str]:
    answer = requests.post(
        f"{platform.url}/api/v1/auth/dev-login",
        json={"subject": subject, "role": "citizen"},
        timeout=10,
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def application(number: int) -> dict:
    return {
        "application_type": "hundesteuer",
        "form": {
            "dogs": [
                {
                    "name": f"Luna {number}",
                    "breed": "Pudel",
                    "born": "2022-01-01",
                    "chip_number": f"2760981065{number:05d}",
                }
            ],
            "kept_since": "2023-01-01",
            "address": {
                "street": "Markt",
                "house_number": "1",
                "postcode": "59494",
                "city": "Soest",
            },
        },
        "contact": {"name": f"Lena Krause {number}", "email": f"applicant-{number}@example.org"},
    }


def report(platform: Platform, number: int) -> dict:
    challenge = requests.get(f"{platform.url}/api/v1/feedback/challenge", timeout=10).json()
    return {
        "category": "streetlight",
        "title": f"Laterne {number} dunkel",
        "description": "Die Laterne am Markt ist dunkel.",
        "latitude": 51.5712,
        "longitude": 8.1093,
        "answers": {"fault": "dark"},
        "altcha": solved(challenge),
    }


@dataclass
class Load:
    """What the citizens were told: accepted ids per citizen, and the tries it took."""

    accepted: dict[str, str] = field(default_factory=dict)
    failed_tries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def submit_until_accepted(platform: Platform, load: Load, kind: str, number: int) -> None:
    """One citizen's submission, sent again with its idempotency key until accepted."""
    citizen = f"{kind}-{number}"
    key = str(uuid.uuid4())
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            headers = {**token(platform, citizen), "Idempotency-Key": key}
            if kind == "applicant":
                path, body = "/api/v1/applications/cases", application(number)
            else:
                path, body = "/api/v1/feedback/reports", report(platform, number)
            answer = requests.post(f"{platform.url}{path}", json=body, headers=headers, timeout=15)
        except requests.RequestException:
            answer = None
        if answer is not None and answer.status_code == 201:
            found = answer.json()
            with load.lock:
                load.accepted[citizen] = found.get("case_number") or found["id"]
            return
        assert answer is None or answer.status_code >= 500, answer.text  # never refused
        with load.lock:
            load.failed_tries += 1
        time.sleep(0.5)
    raise AssertionError(f"{citizen}'s submission was never accepted")


def on_the_other_nodes(platform: Platform) -> tuple[set[str], set[str]] | None:
    """The nodes the vhost's connections are on, and those its queues' leaders are on; None
    until a surviving node lists connections, none of them on the stopped node."""
    connections = requests.get(
        f"{SURVIVOR}/vhosts/{platform.vhost}/connections", auth=AUTH, timeout=30
    ).json()
    durable = [queue for queue in queues(platform, "name,type,leader,durable") if queue["durable"]]
    assert {queue["type"] for queue in durable} == {"quorum"}
    nodes = {c["node"] for c in connections}
    if not nodes or STOPPED_NODE in nodes:
        return None
    return nodes, {q.get("leader") for q in durable}


def queues(platform: Platform, columns: str) -> list[dict]:
    """The vhost's queues with `columns`, as a surviving node lists them."""
    return requests.get(
        f"{SURVIVOR}/queues/{platform.vhost}?columns={columns}", auth=AUTH, timeout=30
    ).json()


def unconsumed(platform: Platform) -> list[str]:
    """The vhost's handler and RPC queues that no consumer is on."""
    return [
        q["name"]
        for q in queues(platform, "name,consumers")
        if q["name"].startswith((HANDLER_QUEUE_PREFIX, RPC_QUEUE_PREFIX)) and not q.get("consumers")
    ]


def held(platform: Platform) -> list[tuple[str, int, int, int]]:
    """The vhost's queues that hold messages: name, ready, unacknowledged, consumers."""
    return [
        (
            q["name"],
            q.get("messages_ready", 0),
            q.get("messages_unacknowledged", 0),
            q.get("consumers", 0),
        )
        for q in queues(platform, "name,messages_ready,messages_unacknowledged,consumers")
        if q.get("messages_ready") or q.get("messages_unacknowledged")
    ]


def with_what_is_held(platform: Platform, failure: AssertionError) -> AssertionError:
    return AssertionError(f"{failure}; queues holding messages: {held(platform)}")


def as_citizen(platform: Platform, citizen: str, path: str) -> dict:
    answer = requests.get(f"{platform.url}{path}", headers=token(platform, citizen), timeout=10)
    answer.raise_for_status()
    return answer.json()


def inbox_event_types(platform: Platform, citizen: str) -> list[str]:
    inbox = as_citizen(platform, citizen, "/api/v1/notifications/inbox")
    return [item["event_type"] for item in inbox["items"]]


def my_cases(platform: Platform, citizen: str) -> list[str]:
    cases = as_citizen(platform, citizen, "/api/v1/applications/cases/mine")
    return [case["case_number"] for case in cases["cases"]]


def test_a_node_stops_in_the_middle_of_the_load_and_nothing_is_lost_or_done_twice(platform):
    started = time.monotonic()
    load = Load()
    work = [("applicant", n) for n in range(APPLICATIONS)] + [
        ("reporter", n) for n in range(REPORTS)
    ]
    work.sort(key=lambda item: item[1])  # applications and reports interleaved
    stopped_at: dict[str, float] = {}

    def stop_a_node_midway() -> None:
        wait_for(lambda: len(load.accepted) >= len(work) // 4, timeout=120, interval=0.1)
        stopped_at["accepted"] = len(load.accepted)
        rabbitmqctl("stop_app")
        stopped_at["time"] = time.monotonic()

    stopper = threading.Thread(target=stop_a_node_midway)
    stopper.start()
    try:
        with ThreadPoolExecutor(CLIENTS) as clients:
            results = [
                clients.submit(submit_until_accepted, platform, load, kind, number)
                for kind, number in work
            ]
            try:
                for result in results:
                    result.result()
            except AssertionError as never:
                clients.shutdown(cancel_futures=True)  # the citizens still waiting give up
                raise with_what_is_held(platform, never) from None
        stopper.join(timeout=130)
        assert "time" in stopped_at, "the node must stop in the middle of the load"
        assert stopped_at["accepted"] < len(work)
        # the services reconnected to the other nodes, where the queues have their leaders
        # (a surviving node lists the connections once their statistics reach it), and each
        # handler and RPC queue has its consumer again
        _nodes, leaders = wait_for(lambda: on_the_other_nodes(platform), timeout=30, interval=1)
        assert STOPPED_NODE not in leaders
        wait_for(lambda: not unconsumed(platform), timeout=30, interval=1)

        # every submission and report was accepted, each once
        assert len(load.accepted) == len(work)
        platform.alive()
        expectations = {
            **{f"applicant-{n}": "applications.application_submitted" for n in range(APPLICATIONS)},
            **{f"reporter-{n}": "feedback.report_submitted" for n in range(REPORTS)},
        }

        def every_receipt_arrived() -> bool:
            return all(
                inbox_event_types(platform, citizen) == [event_type]
                for citizen, event_type in expectations.items()
            )

        try:
            wait_for(every_receipt_arrived, timeout=90, interval=1.0)
        except AssertionError as missing:
            raise with_what_is_held(platform, missing) from None
        for number in range(APPLICATIONS):
            citizen = f"applicant-{number}"
            assert my_cases(platform, citizen) == [load.accepted[citizen]]
    finally:
        # the node comes back whatever happened
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")

    # the services go on answering with the node back: one more of each, processed once
    for kind in ("applicant", "reporter"):
        submit_until_accepted(platform, load, kind, 1000)
    wait_for(
        lambda: (
            inbox_event_types(platform, "applicant-1000") == ["applications.application_submitted"]
            and inbox_event_types(platform, "reporter-1000") == ["feedback.report_submitted"]
        ),
        timeout=60,
    )
    # what came after them is handled: a late second receipt of the load would be in by now
    assert every_receipt_arrived()
    print(
        f"\ndrill: {len(work)} accepted, node stopped after {stopped_at['accepted']}, "
        f"{load.failed_tries} tries failed over, {time.monotonic() - started:.1f} s"
    )
