"""Compose (and any process) in production refuses the secrets that ship with the project:
each service exits at start, naming every one still at its default; with its own secrets it
starts."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import uuid

import pytest
import requests

from services.common.default_secrets import (
    COMPOSE_ALTCHA_KEY,
    COMPOSE_MASTER_KEY,
    COMPOSE_SESSION_KEY,
    COMPOSE_SIGNING_KEY,
    UnknownEnvironment,
    default_secrets,
    refusal,
)
from services.common.identity import new_key_pair
from tests.support.processes import free_port
from tests.support.waiting import wait_for

from .files import (
    COMPOSE_FILE,
    PRODUCTION_CONFIG,
    REPO,
    compose,
    environment_of,
    load_nameko_config,
    load_yaml,
)

EXIT_CONFIG = 78
SECRET_NAME = re.compile(r"(KEY|KEYS|SECRET|PASSWORD)$")
_PASSWORD_IN_URL = re.compile(r"://[^:/@]+:[^@]+@")


def _defaults_of(service: str) -> dict[str, str]:
    """The secrets compose gives `service` when nothing is set: name -> value."""
    environment = environment_of(compose()["services"][service])
    return {
        name: value
        for name, value in environment.items()
        if value and (SECRET_NAME.search(name) or _PASSWORD_IN_URL.search(value))
    }


def _launch(environment: dict[str, str], *args: str, output=subprocess.PIPE) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "services.launch", "--config", str(PRODUCTION_CONFIG), *args],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", **environment},
        stdout=output,
        stderr=subprocess.STDOUT if output is not subprocess.PIPE else subprocess.PIPE,
        text=True,
    )


def test_the_guard_knows_every_secret_default_of_the_compose_file():
    """The compose file's defaults, read from it: a new default there must be refused too."""
    text = COMPOSE_FILE.read_text()
    for value in (COMPOSE_SIGNING_KEY, COMPOSE_SESSION_KEY, COMPOSE_MASTER_KEY, COMPOSE_ALTCHA_KEY):
        assert f":-{value}}}" in text, value
    names = {name for service in ("gateway", "documents") for name in _defaults_of(service)}
    assert names == {
        "AMQP_URI",
        "DATABASE_URL",
        "IDENTITY_TRUSTED_KEYS",
        "IDENTITY_SIGNING_KEY",
        "PORTAL_SESSION_KEY",
        "ALTCHA_HMAC_KEY",
        "DOCUMENTS_MASTER_KEY",
    }


@pytest.mark.parametrize("service", ["gateway", "documents", "notifications"])
def test_production_with_the_compose_defaults_names_each_and_refuses(service):
    environment = {**_defaults_of(service), "RATHAUS_ENV": "production"}
    config = load_nameko_config(PRODUCTION_CONFIG, environment)

    named = {secret.variable for secret in default_secrets(config)}
    assert named == set(_defaults_of(service))
    assert "RATHAUS_ENV=production" in (refusal(config) or "")


def test_development_allows_the_defaults_and_a_typo_in_the_environment_is_no_way_round():
    environment = _defaults_of("gateway")
    assert (
        refusal(
            load_nameko_config(PRODUCTION_CONFIG, {**environment, "RATHAUS_ENV": "development"})
        )
        is None
    )
    with pytest.raises(UnknownEnvironment, match="prod"):
        refusal(load_nameko_config(PRODUCTION_CONFIG, {**environment, "RATHAUS_ENV": "prod"}))


def test_the_production_config_is_production_unless_told_otherwise():
    assert load_nameko_config(PRODUCTION_CONFIG)["ENVIRONMENT"] == "production"
    assert load_yaml(COMPOSE_FILE)["x-service"]["environment"]["RATHAUS_ENV"] == (
        "${RATHAUS_ENV:-development}"
    )
    assert {
        environment_of(compose()["services"][name])["RATHAUS_ENV"]
        for name in (
            "gateway",
            "appointments",
            "applications",
            "documents",
            "notifications",
            "feedback",
        )
    } == {"development"}


def test_a_password_equal_to_its_user_is_a_default_too():
    config = {
        "ENVIRONMENT": "production",
        "AMQP_URI": "amqp://guest:guest@rabbitmq:5672/",
        "DATABASES": {"feedback": "postgresql://feedback:feedback@db:5432/rathaus_feedback"},
    }

    assert {secret.variable for secret in default_secrets(config)} == {
        "AMQP_URI",
        "FEEDBACK_DATABASE_URL",
    }


@pytest.mark.server  # runs the launcher as a process
@pytest.mark.parametrize("service", ["gateway", "feedback"])
def test_a_service_started_in_production_with_the_compose_defaults_exits_naming_them(service):
    """Before it reaches the broker: nothing is listening where compose's names point."""
    environment = {**_defaults_of(service), "RATHAUS_ENV": "production"}
    process = _launch(environment, "--service", service, "--no-migrate")

    _, errors = process.communicate(timeout=60)
    assert process.returncode == EXIT_CONFIG
    assert errors.startswith("Refusing to start in production")
    for name in _defaults_of(service):
        assert f"  - {name}: " in errors, name
    # the message names secrets, it never repeats them
    for value in _defaults_of(service).values():
        assert value not in errors
    assert "RabbitMQ is not reachable" not in errors


@pytest.fixture
def broker_user(rabbit_manager, rabbit_uri):
    """A user of the test's vhost with a password of its own (guest's is its name)."""
    vhost = rabbit_uri.rsplit("/", 1)[1]
    name, password = f"rathaus-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    rabbit_manager._put("users", name, json={"password": password, "tags": ""})
    rabbit_manager.set_vhost_permissions(vhost, name, ".*", ".*", ".*")
    host = rabbit_uri.split("@", 1)[1]
    yield f"pyamqp://{name}:{password}@{host}"
    rabbit_manager._delete("users", name)


def test_a_service_started_in_production_with_its_own_secrets_runs(
    broker_user, database_url, tmp_path
):
    metrics = free_port()
    environment = {
        "RATHAUS_ENV": "production",
        "AMQP_URI": broker_user,
        "DATABASE_URL": database_url,
        "IDENTITY_TRUSTED_KEYS": f"gateway={new_key_pair()[1]}",
        "METRICS_ADDRESS": f"127.0.0.1:{metrics}",
    }
    log = tmp_path / "feedback.log"
    process = _launch(environment, "--service", "feedback", output=log.open("w"))
    try:
        ready = wait_for(
            lambda: (
                requests.get(f"http://127.0.0.1:{metrics}/readyz", timeout=2).status_code == 200
            ),
            timeout=90,
        )
        assert ready
        assert requests.get(f"http://127.0.0.1:{metrics}/livez", timeout=2).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    assert process.returncode == 0, log.read_text()[-3000:]
    assert "Refusing" not in log.read_text()
