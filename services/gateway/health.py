"""The platform's health: every service and the broker asked at once, within one deadline.

A check that has not answered by the deadline counts as unavailable; it is left to finish
(each RPC has a deadline of its own, which also tidies its pending reply) rather than killed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import eventlet

from services.common.errors import ServiceError

_NO_ANSWER = object()


def check_health(
    services: Mapping[str, Callable[[], Mapping[str, Any]]],
    broker: Callable[[], str | None],
    timeout: float,
) -> dict[str, Any]:
    """Ask each `services[name]()` for its health and `broker()` for a problem, concurrently."""
    pending = {name: eventlet.spawn(_ask_service, call) for name, call in services.items()}
    pending_broker = eventlet.spawn(_ask_broker, broker)
    deadline = time.monotonic() + timeout
    late = {"status": "unavailable", "error": f"no answer within {timeout:g} s"}

    report_services = {name: _wait(thread, deadline, late) for name, thread in pending.items()}
    report_broker = _wait(pending_broker, deadline, late)
    healthy = report_broker["status"] == "ok" and all(
        entry["status"] == "ok" for entry in report_services.values()
    )
    return {
        "status": "ok" if healthy else "degraded",
        "broker": report_broker,
        "services": report_services,
    }


def _wait(thread, deadline: float, late: dict[str, Any]) -> dict[str, Any]:
    answer: Any = _NO_ANSWER
    with eventlet.Timeout(max(0.0, deadline - time.monotonic()), False):
        answer = thread.wait()
    return dict(late) if answer is _NO_ANSWER else answer


def _ask_service(call: Callable[[], Mapping[str, Any]]) -> dict[str, Any]:
    try:
        answer = call()
    except ServiceError as error:  # ServiceUnavailable: not running or too slow
        return {"status": "unavailable", "error": error.message}
    except Exception as error:
        return {"status": "unavailable", "error": f"health check failed: {type(error).__name__}"}
    status = answer.get("status")
    return {
        "status": status if status in ("ok", "degraded") else "degraded",
        "database": str(answer.get("database")),
    }


def _ask_broker(broker: Callable[[], str | None]) -> dict[str, Any]:
    problem = broker()
    return {"status": "ok"} if problem is None else {"status": "unavailable", "error": problem}
