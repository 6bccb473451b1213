"""Log lines are JSON in production and carry the citizen's correlation id across services."""

import io
import json
import logging

import pytest
import structlog

from services.common.logging import configure_logging
from tests.gateway.doubles import Echo, GatewayUnderTest
from tests.support.clients import cluster_client
from tests.support.pipeline import Base, Ledger, TallyService
from tests.support.waiting import wait_for


@pytest.fixture
def json_logs():
    root, containers = logging.getLogger(), logging.getLogger("nameko.containers")
    handlers, level, filters = root.handlers[:], root.level, containers.filters[:]
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    # a logger cached now would keep this configuration in the tests that come after
    structlog.configure(cache_logger_on_first_use=False)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)
    containers.filters[:] = filters


def test_a_handlers_log_lines_carry_the_correlation_id_of_the_original_request(
    create_tables, runner_factory, tmp_path, monkeypatch, json_logs
):
    create_tables("ledger", Base.metadata)
    create_tables("tally", Base.metadata)
    broken_flag = tmp_path / "broken"
    broken_flag.touch()
    monkeypatch.setenv("TALLY_BROKEN_FLAG", str(broken_flag))
    runner_factory(Ledger, TallyService).start()

    with cluster_client(context_data={"correlation_id": "req-4711"}) as cluster:
        cluster.ledger.record("traced", 1)
        wait_for(lambda: cluster.tally.counts() == {"traced": 1})

    lines = wait_for(
        lambda: [line for line in json_logs() if line["event"] == "event_handler_failed_will_retry"]
    )
    first = lines[0]
    assert first["correlation_id"] == "req-4711"
    assert first["service"] == "tally"
    assert first["entrypoint"] == "count_entry_unless_broken"
    assert first["level"] == "warning"
    assert "timestamp" in first


@pytest.fixture
def gateway_and_echo(start_gateway, container_factory):
    container_factory(Echo).start()
    return start_gateway(GatewayUnderTest)


def worker_lines(lines: list[dict]) -> list[dict]:
    """What the containers said about their workers (not the access log)."""
    return [line for line in lines if "worker" in line["event"]]


def test_a_refusal_is_one_line_per_service_without_a_traceback(
    gateway_and_echo, web_session, json_logs
):
    answer = web_session.get("/test/conflict", headers={"X-Correlation-ID": "req-409"})

    assert answer.status_code == 409
    lines = wait_for(lambda: len(worker_lines(json_logs())) >= 2 and worker_lines(json_logs()))
    assert [
        (line["event"], line["service"], line["entrypoint"], line["code"], line["level"])
        for line in lines
    ] == [
        ("worker_refused", "echo", "book_taken_slot", "conflict", "info"),
        ("worker_refused", "gateway", "conflict", "conflict", "info"),
    ]
    assert lines[1]["correlation_id"] == "req-409"
    assert not [line for line in json_logs() if {"exception", "exc_info"} & set(line)]


def test_a_bug_keeps_its_traceback_in_the_log(gateway_and_echo, web_session, json_logs):
    answer = web_session.get("/test/remote-crash")

    assert answer.status_code == 500
    lines = wait_for(lambda: len(worker_lines(json_logs())) >= 2 and worker_lines(json_logs()))
    assert [line["level"] for line in lines] == ["error", "error"]
    for line in lines:
        assert line["event"].startswith("error handling worker")
        assert line["exception"].startswith("Traceback (most recent call last)")
        assert "internals: password=hunter2" in line["exception"]
