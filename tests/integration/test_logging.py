"""Log lines are JSON in production and carry the citizen's correlation id across services."""

import io
import json
import logging

import pytest
import structlog

from services.common.logging import configure_logging
from tests.support.clients import cluster_client
from tests.support.pipeline import Base, Ledger, TallyService
from tests.support.waiting import wait_for


@pytest.fixture
def json_logs():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("json", stream=stream)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(level)


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
