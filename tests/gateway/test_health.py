"""GET /health: every service and the broker, asked at once, within a short deadline."""

from __future__ import annotations

import time

from services import BUSINESS_SERVICES
from services.gateway.health import check_health
from tests.gateway.doubles import StuckFeedback
from tests.support.gateway import HEALTH_TIMEOUT


def test_health_is_ok_when_every_service_and_the_broker_answer(
    business_services, runner_factory, gateway, web_session
):
    runner_factory(*business_services.values()).start()

    answer = web_session.get("/health")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {
        "status": "ok",
        "broker": {"status": "ok"},
        "services": {name: {"status": "ok", "database": "ok"} for name in BUSINESS_SERVICES},
    }


def test_health_is_503_and_names_the_service_that_is_not_running(
    business_services, runner_factory, gateway, web_session
):
    running = [cls for name, cls in business_services.items() if name != "documents"]
    runner_factory(*running).start()

    started = time.monotonic()
    answer = web_session.get("/health")

    assert time.monotonic() - started < HEALTH_TIMEOUT + 0.5
    assert answer.status_code == 503
    report = answer.json()
    assert report["status"] == "degraded"
    assert report["broker"] == {"status": "ok"}
    assert report["services"]["documents"] == {
        "status": "unavailable",
        "error": "The documents service is not running.",
    }
    others = {name: entry for name, entry in report["services"].items() if name != "documents"}
    assert others == {name: {"status": "ok", "database": "ok"} for name in others}
    assert len(others) == len(BUSINESS_SERVICES) - 1


def test_health_does_not_wait_longer_than_its_deadline_for_a_stuck_service(
    business_services, runner_factory, gateway, web_session
):
    running = [cls for name, cls in business_services.items() if name != "feedback"]
    runner_factory(*running, StuckFeedback).start()

    started = time.monotonic()
    answer = web_session.get("/health")

    assert time.monotonic() - started < HEALTH_TIMEOUT + 0.5
    assert answer.status_code == 503
    assert answer.json()["services"]["feedback"] == {
        "status": "unavailable",
        "error": f"no answer within {HEALTH_TIMEOUT:g} s",
    }
    assert answer.json()["services"]["appointments"]["status"] == "ok"


def test_health_is_degraded_when_the_broker_is_unreachable():
    report = check_health(
        {"feedback": lambda: {"status": "ok", "database": "ok"}},
        lambda: "[Errno 111] Connection refused",
        timeout=1.0,
    )

    assert report == {
        "status": "degraded",
        "broker": {"status": "unavailable", "error": "[Errno 111] Connection refused"},
        "services": {"feedback": {"status": "ok", "database": "ok"}},
    }


def test_a_service_whose_database_is_down_makes_the_platform_degraded():
    report = check_health(
        {"feedback": lambda: {"status": "degraded", "database": "unavailable: OperationalError"}},
        lambda: None,
        timeout=1.0,
    )

    assert report["status"] == "degraded"
    assert report["services"]["feedback"]["status"] == "degraded"
