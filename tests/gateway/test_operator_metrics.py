"""What operators see on /metrics after real traffic: a citizen books, confirms and cancels
through the gateway, a mail goes out, a clerk watches the live stream.

Each test scrapes this process's metrics endpoint over HTTP, as Prometheus does, before and
after; the registry is the process's, shared with the tests before, so every assertion is
on what moved.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from services.common.metrics import start_metrics_server
from services.common.topology import DEAD_LETTER_QUEUE
from tests.appointments.test_http import NO_LIMITS, booking, first_slot
from tests.support.appointments import token_of
from tests.support.processes import free_port
from tests.support.waiting import wait_for

API = "/api/v1/appointments"
TENANT = "soest"  # config/local.yaml's default, which the test config keeps


class Scrape(dict):
    """One scrape: sample name and labels -> value."""

    def value(self, name: str, **labels: str) -> float:
        return self.get((name, frozenset(labels.items())), 0.0)

    def has(self, name: str, **labels: str) -> bool:
        return (name, frozenset(labels.items())) in self


@pytest.fixture(scope="module")
def metrics_url() -> Iterator[str]:
    """This process's /metrics, served as `METRICS_ADDRESS` serves it in a deployment."""
    port = free_port()
    start_metrics_server(f"127.0.0.1:{port}")
    yield f"http://127.0.0.1:{port}/metrics"


@pytest.fixture
def scrape(metrics_url):
    def take() -> Scrape:
        answer = requests.get(metrics_url, timeout=5)
        assert answer.status_code == 200
        samples = Scrape()
        for family in text_string_to_metric_families(answer.text):
            for sample in family.samples:
                samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
        return samples

    return take


def moved(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    return after.value(name, **labels) - before.value(name, **labels)


@pytest.fixture
def portal(office, start_gateway, web_session):
    start_gateway(rate_limits=NO_LIMITS, gateway={"stream_heartbeat": 0.2})
    return web_session


def book_confirm_and_cancel(portal, events) -> dict[str, Any]:
    held = portal.post(f"{API}/holds", json=booking(portal, first_slot(portal)))
    assert held.status_code == 201, held.text
    confirm_token = token_of(events.wait_for("appointment_held")[0]["payload"]["confirm_url"])
    confirmed = portal.post(f"{API}/confirmations", json={"token": confirm_token})
    assert confirmed.status_code == 200, confirmed.text
    manage_token = token_of(events.wait_for("appointment_confirmed")[0]["payload"]["manage_url"])
    cancelled = portal.post(f"{API}/manage/cancel", json={"token": manage_token})
    assert cancelled.status_code == 200, cancelled.text
    again = portal.post(f"{API}/manage/cancel", json={"token": manage_token})
    assert again.status_code == 409  # a refusal the citizen can act on, not an error
    return {"manage_token": manage_token}


def test_a_booking_moves_the_route_rpc_and_business_figures_on_the_scrape(portal, events, scrape):
    before = scrape()

    book_confirm_and_cancel(portal, events)
    after = scrape()

    # the gateway's answer per route template and status
    holds = {"route": f"{API}/holds", "method": "POST", "status": "201"}
    assert moved(before, after, "rathaus_http_requests_total", **holds) == 1
    refused = {"route": f"{API}/manage/cancel", "method": "POST", "status": "409"}
    assert moved(before, after, "rathaus_http_requests_total", **refused) == 1
    # the same calls as the gateway made them, and as the appointments service answered them
    call = {"client": "gateway", "service": "appointments", "method": "hold"}
    assert moved(before, after, "rathaus_rpc_client_calls_total", **call, outcome="ok") == 1
    assert moved(before, after, "rathaus_rpc_client_seconds_count", **call) == 1
    cancel = {"client": "gateway", "service": "appointments", "method": "cancel_by_token"}
    assert moved(before, after, "rathaus_rpc_client_calls_total", **cancel, outcome="ok") == 1
    assert moved(before, after, "rathaus_rpc_client_calls_total", **cancel, outcome="refused") == 1
    served = {"service": "appointments", "method": "cancel_by_token"}
    assert moved(before, after, "rathaus_rpc_served_total", **served, outcome="ok") == 1
    assert moved(before, after, "rathaus_rpc_served_total", **served, outcome="refused") == 1
    assert moved(before, after, "rathaus_rpc_served_total", **served, outcome="error") == 0
    # the business figures, per tenant
    for stage in ("held", "confirmed", "cancelled"):
        assert moved(before, after, "rathaus_bookings_total", tenant=TENANT, stage=stage) == 1


def test_each_mail_sent_is_counted_for_the_tenant_by_channel_and_outcome(
    portal, notifications, events, scrape
):
    before = scrape()

    book_confirm_and_cancel(portal, events)

    delivered = {"tenant": TENANT, "channel": "email", "outcome": "delivered"}
    # the hold's mail, the confirmation's and the cancellation's, once the dispatcher sent them
    assert wait_for(lambda: moved(before, scrape(), "rathaus_messages_total", **delivered) >= 3)
    failed = {"tenant": TENANT, "channel": "email", "outcome": "permanent_failure"}
    assert moved(before, scrape(), "rathaus_messages_total", **failed) == 0


def test_workers_pool_outbox_and_dead_letters_are_on_the_scrape_of_a_running_service(
    portal, events, scrape
):
    book_confirm_and_cancel(portal, events)
    # the relay's timed sweep (every 0.5 s here) measures the outbox after its kicks
    after = wait_for(
        lambda: (s := scrape()).has("rathaus_outbox_oldest_seconds", service="appointments") and s
    )

    assert after.value("rathaus_workers_max", service="appointments") >= 1
    assert after.value("rathaus_workers_max", service="gateway") >= 1
    assert after.has("rathaus_workers_busy", service="appointments")
    assert after.value("rathaus_db_pool_size", service="appointments") >= 1
    assert after.has("rathaus_db_pool_max_overflow", service="appointments")
    assert after.value("rathaus_db_connections_opened_total", service="appointments") >= 1
    assert after.has("rathaus_db_pool_checked_out", service="appointments")
    # nothing waits unpublished once the relay caught up: the oldest is no age at all
    assert wait_for(
        lambda: scrape().value("rathaus_outbox_oldest_seconds", service="appointments") == 0
    )
    # the gateway samples the dead-letter queue when it starts
    assert after.has("rathaus_dead_letters_waiting", queue=DEAD_LETTER_QUEUE.name)


def test_an_open_live_stream_is_counted_until_its_clerk_goes(
    portal, login, scrape, web_config_port
):
    base = f"http://127.0.0.1:{web_config_port}"
    before = scrape().value("rathaus_live_streams_open", stream="LiveHub")

    stream = requests.get(
        f"{base}/api/v1/notifications/stream", headers=login("clerk"), stream=True, timeout=5
    )
    next(stream.iter_content(chunk_size=None))  # the opening: the stream listens now

    assert scrape().value("rathaus_live_streams_open", stream="LiveHub") == before + 1
    stream.close()
    # the next heartbeat (0.2 s) finds the connection gone
    assert wait_for(lambda: scrape().value("rathaus_live_streams_open", stream="LiveHub") == before)


def test_a_call_to_a_service_that_is_not_running_counts_as_unavailable_for_the_caller(
    portal, scrape
):
    call = {"client": "gateway", "service": "applications", "method": "application_types"}
    before = scrape()

    answer = portal.get("/api/v1/applications/types")  # only appointments runs here

    assert answer.status_code == 503
    after = scrape()
    calls = "rathaus_rpc_client_calls_total"
    assert moved(before, after, calls, **call, outcome="unavailable") == 1
    assert moved(before, after, calls, **call, outcome="ok") == 0
    route = {"route": "/api/v1/applications/types", "method": "GET", "status": "503"}
    assert moved(before, after, "rathaus_http_requests_total", **route) == 1
