"""Rate limits per client address: a burst, then 429 with Retry-After until the bucket refills.

The tests' requests all come from 127.0.0.1; other clients are played through
X-Forwarded-For with 127.0.0.1 as a trusted proxy.
"""

from __future__ import annotations

import time

import pytest
from nameko.exceptions import ConfigurationError

from services.gateway.openapi import build_document
from services.gateway.rate_limits import TokenBuckets
from services.gateway.service import GatewayService
from services.gateway.settings import DEFAULT_RATE_LIMITS, RateLimit
from tests.gateway.doubles import GatewayUnderTest, GatewayWithAnUnknownLimit
from tests.support.gateway import TEST_LIMIT

LIMITED = "/test/limited"
BURST = TEST_LIMIT["burst"]


@pytest.fixture
def behind_a_proxy(start_gateway):
    """The test gateway, trusting 127.0.0.1 and 10.0.0.0/8 to say whom they forward."""
    return start_gateway(GatewayUnderTest, gateway={"trusted_proxies": ["127.0.0.1", "10.0.0.0/8"]})


def statuses(web_session, count: int, forwarded_for: str | None = None) -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return [web_session.get(LIMITED, headers=headers).status_code for _ in range(count)]


def test_a_client_past_its_burst_is_told_to_retry_later(gateway_under_test, web_session):
    assert statuses(web_session, BURST) == [200] * BURST

    refused = web_session.get(LIMITED)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["error"] == {
        "code": "rate_limited",
        "message": "Too many requests; try again in 1 s.",
        "details": {"limit": "test", "retry_after": 1},
    }


def test_the_bucket_refills_at_the_configured_rate(gateway_under_test, web_session):
    statuses(web_session, BURST + 1)

    time.sleep(60 / TEST_LIMIT["per_minute"] + 0.1)

    assert statuses(web_session, 2) == [200, 429]


def test_x_forwarded_for_is_ignored_from_a_peer_that_is_not_a_trusted_proxy(
    gateway_under_test, web_session
):
    answers = [statuses(web_session, 1, f"198.51.100.{n}")[0] for n in range(BURST + 1)]

    assert answers == [200] * BURST + [429]


def test_another_client_behind_a_trusted_proxy_is_not_affected(behind_a_proxy, web_session):
    assert statuses(web_session, BURST + 1, "198.51.100.7") == [200] * BURST + [429]

    assert statuses(web_session, 1, "198.51.100.8") == [200]


def test_entries_a_client_forges_left_of_the_proxies_do_not_make_it_someone_else(
    behind_a_proxy, web_session
):
    # the client writes anything; 10.0.0.5, trusted, appends the address it really saw
    forged = [f"203.0.113.{n}, 198.51.100.7, 10.0.0.5" for n in range(BURST + 1)]

    answers = [statuses(web_session, 1, chain)[0] for chain in forged]

    assert answers == [200] * BURST + [429]


def test_the_addresses_of_one_ipv6_network_count_as_one_client(behind_a_proxy, web_session):
    assert statuses(web_session, BURST, "2001:db8:0:1::1") == [200] * BURST
    assert statuses(web_session, 1, "2001:db8:0:1::2") == [429]
    assert statuses(web_session, 1, "2001:db8:0:2::1") == [200]


def test_the_limit_is_checked_before_the_token_is(gateway, web_session):
    burst = DEFAULT_RATE_LIMITS["booking"].burst
    headers = {"Authorization": "Bearer not-a-jwt"}

    answers = [
        web_session.post("/api/v1/appointments/holds", headers=headers).status_code
        for _ in range(burst + 1)
    ]

    assert answers == [401] * burst + [429]


def test_a_route_naming_a_limit_nobody_defined_stops_the_gateway_at_start(start_gateway):
    with pytest.raises(ConfigurationError, match="bookings"):
        start_gateway(GatewayWithAnUnknownLimit)


def test_the_openapi_document_shows_429_on_rate_limited_routes_only():
    paths = build_document(GatewayService)["paths"]

    assert (
        "rate_limited"
        in paths["/api/v1/appointments/holds"]["post"]["responses"]["429"]["description"]
    )
    assert "429" not in paths["/api/v1/appointments/services"]["get"]["responses"]


def test_idle_clients_are_forgotten():
    # refilled after 10 ms: idle longer than that, a bucket is the same as none
    buckets = TokenBuckets(RateLimit(per_minute=6000, burst=1))
    for n in range(100):
        buckets.take(f"client-{n}")

    time.sleep(0.05)
    buckets.take("client-new")

    assert len(buckets) == 1


def test_no_more_clients_than_the_bound_are_remembered():
    buckets = TokenBuckets(RateLimit(per_minute=1, burst=1), max_clients=2)
    assert buckets.take("a") == 0
    assert buckets.take("a") > 0

    buckets.take("b")
    buckets.take("c")

    assert len(buckets) == 2
    # "a", seen longest ago, was forgotten: it starts again with a full bucket
    assert buckets.take("a") == 0
