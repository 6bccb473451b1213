"""The metrics endpoint never stops a process from running."""

from __future__ import annotations

import socket

import structlog

from services.common.metrics import start_metrics_server


def test_a_taken_metrics_port_is_a_warning_and_the_process_goes_on():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"

        with structlog.testing.capture_logs() as logs:
            start_metrics_server(address)

    assert [(line["event"], line["log_level"]) for line in logs] == [
        ("metrics_endpoint_unavailable", "warning")
    ]


def test_an_empty_metrics_address_serves_nothing():
    with structlog.testing.capture_logs() as logs:
        start_metrics_server("")

    assert logs == []
