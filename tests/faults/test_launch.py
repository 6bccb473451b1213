"""The launcher behind `make run`: clear about a missing broker, complete, and stoppable."""

import signal
import subprocess
import sys

import pytest
import requests
from nameko import config

from tests.support.clients import cluster_client
from tests.support.processes import REPO, free_port
from tests.support.waiting import wait_for


def launch(env: dict, log_path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "services.launch", "--config", "config/local.yaml", *args],
        cwd=REPO,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )


def test_without_a_broker_the_platform_says_so_in_one_line_and_exits(tmp_path):
    dead_port = free_port()
    env = {"PATH": "/usr/bin:/bin", "AMQP_URI": f"pyamqp://guest:guest@127.0.0.1:{dead_port}/"}
    process = launch(env, tmp_path / "out.log")

    assert process.wait(timeout=30) == 1
    output = (tmp_path / "out.log").read_text().strip().splitlines()
    assert len(output) == 1
    assert output[0].startswith(
        f"RabbitMQ is not reachable at pyamqp://guest:********@127.0.0.1:{dead_port}/"
    )
    assert "rabbitmq-server -detached" in output[0]


def test_the_whole_platform_starts_in_one_process_answers_serves_metrics_and_stops_on_ctrl_c(
    platform_config, tmp_path
):
    port, metrics_port = free_port(), free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "AMQP_URI": config["AMQP_URI"],
        "DATABASE_URL": config["DATABASE_URL"],
        "GATEWAY_ADDRESS": f"127.0.0.1:{port}",
        "METRICS_ADDRESS": f"127.0.0.1:{metrics_port}",
    }
    log_path = tmp_path / "platform.log"
    process = launch(env, log_path)
    try:
        wait_for(lambda: f"Gateway listening on http://127.0.0.1:{port}" in log_path.read_text())
        health = wait_for(
            lambda: requests.get(f"http://127.0.0.1:{port}/health", timeout=5), timeout=30
        )
        assert health.status_code == 200, health.text
        report = health.json()
        assert {name: s["status"] for name, s in report["services"].items()} == {
            "appointments": "ok",
            "applications": "ok",
            "documents": "ok",
            "notifications": "ok",
            "feedback": "ok",
        }
        metrics = requests.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5)
        assert metrics.status_code == 200
        assert (
            'rathaus_worker_total{entrypoint="health",outcome="ok",service="appointments"}'
            in metrics.text
        )
        assert 'rathaus_http_requests_total{method="GET",route="/health",status="200"} 1.0' in (
            metrics.text
        )
    finally:
        process.send_signal(signal.SIGINT)
        exit_code = process.wait(timeout=30)
    assert exit_code == 0, log_path.read_text()[-2000:]


DEMO_LINE = "Demo data loaded into the empty appointments database"


@pytest.mark.parametrize("demo_data", ["true", "false"])
def test_the_launcher_loads_the_demo_office_into_an_empty_database_unless_told_not_to(
    platform_config, tmp_path, demo_data
):
    env = {
        "PATH": "/usr/bin:/bin",
        "AMQP_URI": config["AMQP_URI"],
        "DATABASE_URL": config["DATABASE_URL"],
        "METRICS_ADDRESS": f"127.0.0.1:{free_port()}",
        "DEMO_DATA": demo_data,
    }
    log_path = tmp_path / "appointments.log"
    process = launch(env, log_path, "--service", "appointments")
    try:
        with cluster_client() as cluster:
            wait_for(lambda: cluster.appointments.health()["status"] == "ok", timeout=30)
            services = cluster.appointments.list_services()
            locations = cluster.appointments.list_locations()
    finally:
        process.send_signal(signal.SIGINT)
        exit_code = process.wait(timeout=30)
    log = log_path.read_text()
    assert exit_code == 0, log[-2000:]

    if demo_data == "true":
        assert log.count(DEMO_LINE) == 1, log[-2000:]
        assert [location["name"] for location in locations] == [
            "Bürgerbüro im Rathaus",
            "Bürgerbüro Soest-Nord",
        ]
        assert len(services) == 8
    else:
        assert DEMO_LINE not in log
        assert (services, locations) == ([], [])
