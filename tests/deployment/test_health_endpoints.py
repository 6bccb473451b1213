"""/livez and /readyz beside /metrics on the metrics port: what the probes of every pod ask."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from prometheus_client import make_wsgi_app

from services.common import health
from tests.support.processes import free_port


@pytest.fixture
def served() -> Iterator[tuple[health.ProcessHealth, str]]:
    """The metrics endpoint as start_metrics_server serves it, for a process of its own."""
    process, port = health.ProcessHealth(), free_port()
    server = health.serve("127.0.0.1", port, make_wsgi_app(), process)
    yield process, f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


def test_ready_only_while_the_services_run_and_alive_throughout(served):
    process, address = served

    seen = []
    for phase in (None, process.running, process.stopping):
        if phase is not None:
            phase()
        ready = requests.get(f"{address}/readyz", timeout=5)
        alive = requests.get(f"{address}/livez", timeout=5)
        seen.append((ready.status_code, ready.text.strip(), alive.status_code))

    assert seen == [(503, "starting", 200), (200, "running", 200), (503, "stopping", 200)]


def test_the_metrics_are_still_served_beside_them(served):
    _, address = served

    metrics = requests.get(f"{address}/metrics", timeout=5)
    assert metrics.status_code == 200
    assert "# TYPE" in metrics.text
