"""Rate limits in Redis (RATE_LIMIT_REDIS_URL): one limit for every gateway instance, and
each instance's own memory while Redis does not answer, never a 500 nor a wait.

Real Redis at 127.0.0.1:6379 (RATE_LIMIT_TEST_REDIS_URL elsewhere). Each test plays clients
of its own (a random IPv6 network through a trusted proxy, or a random client name), so
runs side by side never share a bucket.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
import structlog
from nameko import config
from prometheus_client import REGISTRY

from services.gateway.client_address import client_key
from services.gateway.redis_limits import KEY_PREFIX, RedisRateLimiter, bucket_key
from services.gateway.settings import RateLimit
from tests.gateway.doubles import GatewayUnderTest
from tests.support.gateway import TEST_LIMIT
from tests.support.processes import REPO, free_port

pytestmark = pytest.mark.server

REDIS_URL = os.environ.get("RATE_LIMIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LIMITED = "/test/limited"
BURST = TEST_LIMIT["burst"]
TRUSTED = {"trusted_proxies": ["127.0.0.1"]}


@pytest.fixture
def redis_url() -> str:
    """The test Redis; one that does not answer fails the test (it is part of the machine)."""
    redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    return REDIS_URL


def a_client_network() -> str:
    """An address of an IPv6 network no other test uses (a /64 counts as one client)."""
    return f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"


def fallbacks(limit: str) -> float:
    return REGISTRY.get_sample_value("rathaus_rate_limit_fallbacks_total", {"limit": limit}) or 0


@pytest.fixture
def gateway_on(start_gateway):
    """Start the test gateway counting its limits in the Redis at the URL given."""
    patches = []

    def start(url: str):
        patch = config.patch({"RATE_LIMIT_REDIS_URL": url})
        patch.start()
        patches.append(patch)
        return start_gateway(GatewayUnderTest, gateway=TRUSTED)

    yield start
    for patch in patches:
        patch.stop()


def statuses(web_session, forwarded_for: str, count: int) -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for}
    return [web_session.get(LIMITED, headers=headers).status_code for _ in range(count)]


LIMITER_PROCESS = """
import sys
from services.gateway.redis_limits import RedisRateLimiter
from services.gateway.settings import RateLimit

url, client, tries = sys.argv[1], sys.argv[2], int(sys.argv[3])
limiter = RedisRateLimiter({"shared": RateLimit(per_minute=1, burst=20)}, url)
limiter.client.ping()
print("ready", flush=True)
sys.stdin.readline()
print(sum(limiter.retry_after("shared", client) is None for _ in range(tries)), flush=True)
"""


def test_two_limiters_in_two_processes_admit_one_burst_between_them(redis_url):
    client = f"test-client-{uuid.uuid4().hex}"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", LIMITER_PROCESS, redis_url, client, "30"],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for process in processes:
            assert process.stdout.readline().strip() == "ready"
        for process in processes:  # both take their 30 at once, against one bucket of 20
            process.stdin.write("go\n")
            process.stdin.flush()
        admitted = [int(process.communicate(timeout=60)[0]) for process in processes]
    finally:
        for process in processes:
            process.kill()

    # one per minute refills nothing while they run: the burst of 20, and not 20 each
    assert sum(admitted) == 20


def test_a_bucket_expires_in_redis_once_it_would_be_full_again(redis_url):
    limiter = RedisRateLimiter({"quick": RateLimit(per_minute=600, burst=2)}, redis_url)
    client = f"test-client-{uuid.uuid4().hex}"

    assert limiter.retry_after("quick", client) is None

    ttl_ms = limiter.client.pttl(bucket_key("quick", client))
    # full again after 2 tokens at 10 a second: 200 ms, and a second to spare
    assert 0 < ttl_ms <= 1200
    assert bucket_key("quick", client).startswith(f"{KEY_PREFIX}:quick:")


def test_the_gateway_refuses_a_client_whose_bucket_another_instance_emptied(
    redis_url, gateway_on, web_session
):
    gateway_on(redis_url)
    address = a_client_network()
    key = client_key("127.0.0.1", address, (ipaddress.ip_network("127.0.0.1"),))
    other_instance = RedisRateLimiter({"test": RateLimit(**TEST_LIMIT)}, redis_url)
    for _ in range(BURST - 1):
        assert other_instance.retry_after("test", key) is None

    answers = statuses(web_session, address, 2)

    assert answers == [200, 429]
    # the other instance sees what this gateway took: its bucket is empty too
    assert other_instance.retry_after("test", key) == 1


def test_with_redis_away_the_gateway_limits_in_its_own_memory_logs_and_counts_it(
    gateway_on, web_session
):
    gateway_on(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    before = fallbacks("test")

    with structlog.testing.capture_logs() as logs:
        answers = statuses(web_session, a_client_network(), BURST + 1)

    assert answers == [200] * BURST + [429]
    assert fallbacks("test") - before == BURST + 1
    warnings = [entry for entry in logs if entry["event"] == "rate_limits_in_memory"]
    assert len(warnings) == 1  # once per outage, not once per request
    assert warnings[0]["log_level"] == "warning"


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A Redis address that takes connections and never answers: a hung server."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    listener.close()
    for connection in held:
        connection.close()


def test_a_redis_that_hangs_costs_a_request_a_fraction_of_a_second_not_an_answer(
    silent_redis, gateway_on, web_session
):
    gateway_on(silent_redis)
    address = a_client_network()

    started = time.monotonic()
    answers = statuses(web_session, address, BURST + 1)
    took = time.monotonic() - started

    assert answers == [200] * BURST + [429]
    # the first request waits out the socket timeout (0.25 s); the others skip Redis
    assert took < 3.0
