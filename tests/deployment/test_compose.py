"""docker-compose.yml: every service in a container of its own, workers scalable.

There is no Docker engine where these tests run, so the file is checked by reading it, and
by the compose CLI's own validation wherever a compose CLI is installed.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy.engine import make_url

from services import ALL_SERVICES
from services.common.identity import public_key_of
from services.common.settings import derive_database_url

from .files import (
    COMPOSE_FILE,
    REPO,
    compose,
    compose_interpolate,
    container_port,
    environment_of,
    load_yaml,
)

WORKERS = [name for name in ALL_SERVICES if name != "gateway"]
ALLOWED_TOP_LEVEL = {"services", "volumes", "networks", "configs", "secrets", "name"}
DEPENDS_ON_CONDITIONS = {
    "service_started",
    "service_healthy",
    "service_completed_successfully",
}


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_each_service_runs_in_a_container_of_its_own_built_from_the_repository_image(name):
    service = compose()["services"].get(name)

    assert service is not None, f"docker-compose.yml has no service {name}"
    assert service["command"] == ["--service", name]
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (REPO / service["build"]["context"] / service["build"]["dockerfile"]).is_file()


@pytest.mark.parametrize("name", WORKERS)
def test_a_worker_has_neither_a_container_name_nor_host_ports_so_it_can_be_scaled(name):
    service = compose()["services"][name]

    assert "container_name" not in service
    assert not service.get("ports")


def test_the_gateway_publishes_port_8000():
    gateway = compose()["services"]["gateway"]

    assert 8000 in [container_port(port) for port in gateway["ports"]]
    assert [str(port).split(":")[0] for port in gateway["ports"]] == ["8000"]


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_a_service_starts_once_broker_and_database_are_healthy_and_the_policies_applied(name):
    depends_on = compose()["services"][name]["depends_on"]

    assert depends_on["rabbitmq"]["condition"] == "service_healthy"
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["rabbitmq-setup"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_a_service_reaches_broker_and_its_own_database_by_their_compose_names(name):
    services = compose()["services"]
    environment = environment_of(services[name])
    broker = make_url(environment["AMQP_URI"].replace("pyamqp://", "amqp://", 1))
    database = make_url(environment["DATABASE_URL"])
    rabbitmq = environment_of(services["rabbitmq"])
    postgres = environment_of(services["postgres"])

    assert (broker.host, broker.port) == ("rabbitmq", 5672)
    assert (broker.username, broker.password) == (
        rabbitmq["RABBITMQ_DEFAULT_USER"],
        rabbitmq["RABBITMQ_DEFAULT_PASS"],
    )
    assert (database.host, database.port, database.database) == ("postgres", 5432, "rathaus")
    assert (database.username, database.password) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
    )
    assert make_url(derive_database_url(str(database), name)).database == f"rathaus_{name}"
    assert environment["LOG_FORMAT"] == "json"


def test_passwords_come_from_the_environment_when_it_sets_them():
    raw = load_yaml(COMPOSE_FILE)
    chosen = {"RABBITMQ_PASSWORD": "s3cret-mq", "POSTGRES_PASSWORD": "s3cret-pg"}
    services = compose_interpolate(raw, chosen)["services"]

    assert environment_of(services["rabbitmq"])["RABBITMQ_DEFAULT_PASS"] == "s3cret-mq"
    assert environment_of(services["postgres"])["POSTGRES_PASSWORD"] == "s3cret-pg"
    for name in ALL_SERVICES:
        environment = environment_of(services[name])
        assert ":s3cret-mq@rabbitmq:" in environment["AMQP_URI"]
        assert ":s3cret-pg@postgres:" in environment["DATABASE_URL"]


def test_the_broker_is_rabbitmq_3_13_with_management_and_a_diagnostics_healthcheck():
    rabbitmq = compose()["services"]["rabbitmq"]

    assert rabbitmq["image"] == "rabbitmq:3.13-management"
    assert {container_port(port) for port in rabbitmq["ports"]} == {5672, 15672}
    assert rabbitmq["healthcheck"]["test"][1] == "rabbitmq-diagnostics"
    # the broker keeps its data only under a fixed node name
    assert rabbitmq["hostname"] == "rabbitmq"


def test_the_database_is_postgres_16_with_a_pg_isready_healthcheck():
    postgres = compose()["services"]["postgres"]

    assert postgres["image"] == "postgres:16"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])


def test_notifications_send_mail_to_the_mail_catcher_whose_web_view_is_published():
    services = compose()["services"]
    mailpit = services["mailpit"]
    environment = environment_of(services["notifications"])

    assert mailpit["image"].startswith("axllent/mailpit")
    assert {container_port(port) for port in mailpit["ports"]} == {1025, 8025}
    assert (environment["SMTP_HOST"], environment["SMTP_PORT"]) == ("mailpit", "1025")
    # the merge of the shared environment kept the rest
    assert environment["AMQP_URI"] == environment_of(services["feedback"])["AMQP_URI"]


def test_the_broker_policies_are_applied_by_a_one_shot_container_running_policies_sh():
    setup = compose()["services"]["rabbitmq-setup"]
    mounts = dict(volume.split(":")[:2] for volume in setup["volumes"])
    script = Path(setup["entrypoint"][-1])

    assert setup["restart"] == "no"
    assert setup["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
    source = next(host for host, inside in mounts.items() if script.parent == Path(inside))
    assert (REPO / source / script.name) == REPO / "deploy" / "rabbitmq" / "policies.sh"


def test_every_file_the_compose_file_mounts_or_builds_from_exists():
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (REPO / source).exists(), f"{name} mounts missing {source}"
        if "build" in service:
            assert (REPO / service["build"]["context"]).is_dir()
            assert (REPO / service["build"]["context"] / service["build"]["dockerfile"]).is_file()


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, check=False
        )
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_the_compose_file_is_valid_compose():
    """By the compose CLI where one is installed; always by the rules compose applies."""
    cli = _compose_cli()
    if cli is not None:
        result = subprocess.run(
            [*cli, "-f", str(COMPOSE_FILE), "config", "-q"],
            capture_output=True,
            text=True,
            check=False,
            cwd=REPO,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr

    document = compose()
    services = document["services"]
    assert {key for key in document if not key.startswith("x-")} <= ALLOWED_TOP_LEVEL
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for dependency, rule in service.get("depends_on", {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert rule["condition"] in DEPENDS_ON_CONDITIONS
            if rule["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in document["volumes"], f"{name} uses undeclared volume {source}"


def test_the_gateway_streams_to_the_documents_data_plane_by_its_compose_name():
    services = compose()["services"]
    url = urlsplit(environment_of(services["gateway"])["DOCUMENTS_URL"])
    address = environment_of(services["documents"])["DOCUMENTS_DATA_ADDRESS"]

    assert (url.scheme, url.hostname) == ("http", "documents")
    assert url.hostname in services
    assert address == f"0.0.0.0:{url.port}"


def _port_numbers(port: str | int | dict) -> set[str]:
    """Both sides of a compose port mapping: "127.0.0.1:8001:8001/tcp" -> {"8001"}."""
    if isinstance(port, dict):
        return {str(port.get("target", "")), str(port.get("published", ""))}
    host_and_container = str(port).split("/")[0].split(":")
    return set(host_and_container[-2:]) if len(host_and_container) > 1 else set(host_and_container)


def test_no_container_publishes_the_documents_data_plane():
    """It trusts the caller the gateway names: inside the compose network only."""
    for name, service in compose()["services"].items():
        for port in service.get("ports", []):
            assert "8001" not in _port_numbers(port), f"{name} publishes port 8001: {port}"


def test_every_documents_instance_stores_into_one_named_volume():
    document = compose()
    documents = document["services"]["documents"]
    storage_path = environment_of(documents)["DOCUMENTS_STORAGE_PATH"]
    mounts = dict(volume.split(":")[:2] for volume in documents["volumes"])

    (volume,) = [source for source, inside in mounts.items() if inside == storage_path]
    assert volume in document["volumes"]  # named, so every scaled instance mounts the same


def test_the_documents_master_key_is_a_valid_key_unless_the_environment_sets_its_own():
    raw = load_yaml(COMPOSE_FILE)
    default = environment_of(compose()["services"]["documents"])["DOCUMENTS_MASTER_KEY"]
    chosen = base64.b64encode(bytes(range(32))).decode()
    own = environment_of(
        compose_interpolate(raw, {"DOCUMENTS_MASTER_KEY": chosen})["services"]["documents"]
    )["DOCUMENTS_MASTER_KEY"]

    assert len(base64.b64decode(default, validate=True)) == 32
    assert own == chosen
    # only the service that stores documents holds the key
    for name in ALL_SERVICES:
        if name != "documents":
            assert "DOCUMENTS_MASTER_KEY" not in environment_of(compose()["services"][name])


def test_only_the_gateway_signs_callers_and_every_service_trusts_its_key():
    services = compose()["services"]
    signing_key = environment_of(services["gateway"])["IDENTITY_SIGNING_KEY"]

    for name in ALL_SERVICES:
        environment = environment_of(services[name])
        assert environment["IDENTITY_TRUSTED_KEYS"] == f"gateway={public_key_of(signing_key)}"
        if name != "gateway":
            assert "IDENTITY_SIGNING_KEY" not in environment
