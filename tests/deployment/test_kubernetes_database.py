"""deploy/k8s: PostgreSQL through CloudNativePG and its PgBouncer pooler, a database user and
a Secret per service, shared secrets apart, and the migrations as Jobs before the pods."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.engine import make_url

from services import ALL_SERVICES, BUSINESS_SERVICES

from .files import PRODUCTION_CONFIG, k8s_objects, load_nameko_config

# what the pods' variables look like once Kubernetes has put in the Secret's values
SAMPLE = {"DATABASE_USER": "appointments", "DATABASE_PASSWORD": "0f3a9c"}


def _pod(document: dict) -> dict:
    return document["spec"]["template"]["spec"]


def _environment(container: dict) -> dict[str, dict]:
    return {variable["name"]: variable for variable in container.get("env", [])}


def _expanded(value: str, values: dict[str, str]) -> str:
    """Kubernetes' $(NAME) expansion of a variable defined before it."""
    return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: values[m.group(1)], value)


def _database_url(container: dict, service: str) -> str:
    environment = _environment(container)
    return _expanded(environment[f"{service.upper()}_DATABASE_URL"]["value"], SAMPLE)


def _secret_names(container: dict) -> set[str]:
    named = {
        variable["valueFrom"]["secretKeyRef"]["name"]
        for variable in container.get("env", [])
        if "secretKeyRef" in variable.get("valueFrom", {})
    }
    named |= {
        source["secretRef"]["name"]
        for source in container.get("envFrom", [])
        if "secretRef" in source
    }
    return named


def _main_container(name: str) -> dict:
    (container,) = _pod(k8s_objects("Deployment")[name])["containers"]
    return container


def _cluster() -> dict:
    (cluster,) = k8s_objects("Cluster").values()
    return cluster


def _pooler() -> dict:
    (pooler,) = k8s_objects("Pooler").values()
    return pooler


# secrets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUSINESS_SERVICES)
def test_each_service_reads_its_own_database_secret_and_no_other_services(name):
    for container in [
        _main_container(name),
        *_pod(k8s_objects("Deployment")[name])["initContainers"],
        *_pod(k8s_objects("Job")[f"{name}-migrate"])["containers"],
    ]:
        database_secrets = {secret for secret in _secret_names(container) if secret.endswith("-db")}
        assert database_secrets == {f"rathaus-{name}-db"}, container["name"]
        environment = _environment(container)
        for variable, key in (("DATABASE_USER", "username"), ("DATABASE_PASSWORD", "password")):
            assert environment[variable]["valueFrom"]["secretKeyRef"] == {
                "name": f"rathaus-{name}-db",
                "key": key,
            }


def test_the_shared_secret_reaches_every_service_and_the_gateway_reads_no_database():
    for name in ALL_SERVICES:
        assert "rathaus-shared" in _secret_names(_main_container(name)), name
    gateway = _secret_names(_main_container("gateway"))
    assert not [secret for secret in gateway if secret.endswith("-db")]
    assert not [
        variable for variable in _environment(_main_container("gateway")) if "DATABASE" in variable
    ]


def test_a_services_own_secrets_reach_that_service_alone():
    own = {
        "rathaus-gateway": "gateway",
        "rathaus-documents": "documents",
        "rathaus-notifications": "notifications",
    }
    for secret, owner in own.items():
        readers = [name for name in ALL_SERVICES if secret in _secret_names(_main_container(name))]
        assert readers == [owner], secret
    for name in ALL_SERVICES:
        # the one Secret that every pod once read is gone
        assert "rathaus-secrets" not in _secret_names(_main_container(name))


@pytest.mark.parametrize("name", BUSINESS_SERVICES)
def test_a_service_finds_its_database_where_production_yaml_reads_it(name):
    production = load_nameko_config(
        PRODUCTION_CONFIG,
        {f"{name.upper()}_DATABASE_URL": _database_url(_main_container(name), name)},
    )
    url = make_url(production["DATABASES"][name])

    assert (url.username, url.password) == ("appointments", "0f3a9c")  # from SAMPLE
    assert url.database == f"rathaus_{name}"


# CloudNativePG ------------------------------------------------------------------------------


def test_postgresql_runs_as_three_instances_with_storage():
    spec = _cluster()["spec"]

    assert spec["instances"] == 3
    assert spec["storage"]["size"]
    assert spec["enablePDB"] is True


@pytest.mark.parametrize("name", BUSINESS_SERVICES)
def test_each_service_has_a_login_role_and_a_database_it_owns(name):
    roles = {role["name"]: role for role in _cluster()["spec"]["managed"]["roles"]}
    databases = {
        database["spec"]["name"]: database for database in k8s_objects("Database").values()
    }

    role = roles[name]
    assert role["login"] is True and role["ensure"] == "present"
    assert role["passwordSecret"] == {"name": f"rathaus-{name}-db"}
    assert not role.get("superuser") and not role.get("createdb")
    database = databases[f"rathaus_{name}"]["spec"]
    assert database["owner"] == name
    assert database["cluster"]["name"] == _cluster()["metadata"]["name"]
    assert database["databaseReclaimPolicy"] == "retain"


def test_the_services_connect_through_the_pooler_in_transaction_mode():
    pooler = _pooler()

    assert pooler["spec"]["cluster"]["name"] == _cluster()["metadata"]["name"]
    assert pooler["spec"]["type"] == "rw"
    assert pooler["spec"]["instances"] >= 2
    assert pooler["spec"]["pgbouncer"]["poolMode"] == "transaction"
    for name in BUSINESS_SERVICES:
        url = make_url(_database_url(_main_container(name), name))
        # the Pooler's Service has the Pooler's name
        assert (url.host, url.port) == (pooler["metadata"]["name"], 5432), name


def test_the_poolers_server_connections_fit_into_postgresqls():
    pgbouncer = _pooler()["spec"]["pgbouncer"]["parameters"]
    per_pool = int(pgbouncer["default_pool_size"]) + int(pgbouncer.get("reserve_pool_size", 0))
    server_connections = _pooler()["spec"]["instances"] * len(BUSINESS_SERVICES) * per_pool
    max_connections = int(_cluster()["spec"]["postgresql"]["parameters"]["max_connections"])

    # room besides for the migration Jobs, the operator and an administrator
    assert server_connections + 20 <= max_connections


def test_nothing_the_services_do_needs_a_session_of_its_own():
    """Transaction pooling lends a server connection for one transaction: a session-level
    lock, setting or listener would be left on a connection another client gets next."""
    from .files import REPO

    sources = [
        path
        for path in (REPO / "services").rglob("*.py")
        if "migrations" not in path.parts and path.name != "launch.py"
    ]
    session_level = re.compile(
        r"pg_advisory_lock|pg_try_advisory_lock\(|\bLISTEN\b|\bSET SESSION\b|"
        r"CREATE TEMP|WITH HOLD|\"SET (?!LOCAL)|'SET (?!LOCAL)|prepare_threshold"
    )
    found = [
        f"{path.relative_to(REPO)}: {match.group(0)}"
        for path in sources
        for match in session_level.finditer(path.read_text())
    ]
    assert found == []


# migrations ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUSINESS_SERVICES)
def test_a_job_migrates_each_service_straight_on_the_primary(name):
    job = k8s_objects("Job")[f"{name}-migrate"]
    (container,) = _pod(job)["containers"]

    assert container["image"] == "rathaus-online"
    assert container["args"] == ["migrate", "--service", name]
    assert _pod(job)["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] >= 1
    assert job["spec"]["activeDeadlineSeconds"] > 0
    # deleted once done, so that the next release's apply creates it again
    assert job["spec"]["ttlSecondsAfterFinished"] > 0
    url = make_url(_database_url(container, name))
    assert url.host == f"{_cluster()['metadata']['name']}-rw"
    assert url.database == f"rathaus_{name}"


@pytest.mark.parametrize("name", BUSINESS_SERVICES)
def test_the_pods_leave_migrating_to_the_job_and_wait_for_it(name):
    pod = _pod(k8s_objects("Deployment")[name])
    (waiting,) = pod["initContainers"]

    assert "--no-migrate" in _main_container(name)["args"]
    assert waiting["args"][:3] == ["migrate", "--check", "--wait"]
    assert float(waiting["args"][3]) >= 300
    assert waiting["args"][4:] == ["--service", name]
    assert _database_url(waiting, name) == _database_url(_main_container(name), name)


def test_the_gateway_has_no_migration_to_wait_for():
    assert "initContainers" not in _pod(k8s_objects("Deployment")["gateway"])
    assert "gateway-migrate" not in k8s_objects("Job")
