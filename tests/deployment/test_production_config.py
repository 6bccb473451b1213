"""deploy/config/production.yaml: the local config's keys, from the environment, no dev defaults."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from nameko import config
from nameko.exceptions import ConfigurationError
from sqlalchemy.engine import make_url

from services import BUSINESS_SERVICES
from services.common.identity import (
    Caller,
    IdentitySigner,
    IdentityVerifier,
    new_key_pair,
)
from services.common.settings import database_url

from .files import (
    LOCAL_CONFIG,
    PRODUCTION_CONFIG,
    REPO,
    environment_names_in,
    key_paths,
    load_nameko_config,
)

AUTH_SECRETS_AND_IDENTITY = ("dev_secret", "issuer", "audience", "jwks_url")


def test_production_config_has_every_key_of_the_local_config():
    local = load_nameko_config(LOCAL_CONFIG)
    production = load_nameko_config(PRODUCTION_CONFIG)

    missing = key_paths(local) - key_paths(production)
    assert not missing, f"keys of config/local.yaml missing in production.yaml: {missing}"


def test_production_config_never_enables_the_dev_login_even_when_the_environment_asks():
    assert load_nameko_config(PRODUCTION_CONFIG)["AUTH"]["dev_login"] is False
    asked = load_nameko_config(PRODUCTION_CONFIG, {"AUTH_DEV_LOGIN": "true"})
    assert asked["AUTH"]["dev_login"] is False


def test_production_config_has_no_default_secrets_broker_or_database():
    production = load_nameko_config(PRODUCTION_CONFIG)

    for key in AUTH_SECRETS_AND_IDENTITY:
        assert not production["AUTH"][key], f"AUTH.{key} has a default"
    assert not production["AMQP_URI"]
    assert not production["DATABASE_URL"]


def test_production_config_logs_json_and_listens_on_every_interface():
    production = load_nameko_config(PRODUCTION_CONFIG)

    assert production["LOG_FORMAT"] == "json"
    assert production["WEB_SERVER_ADDRESS"] == "0.0.0.0:8000"


@pytest.mark.parametrize(
    "value",
    [
        "amqp://rathaus:pa #ss@rabbitmq:5672/",
        "postgresql://rathaus:p%40ss:word@postgres:5432/rathaus",
    ],
)
def test_production_config_takes_connection_strings_verbatim_from_the_environment(value):
    production = load_nameko_config(PRODUCTION_CONFIG, {"AMQP_URI": value, "DATABASE_URL": value})

    assert production["AMQP_URI"] == value
    assert production["DATABASE_URL"] == value


def test_production_config_keeps_a_numeric_secret_a_string():
    production = load_nameko_config(PRODUCTION_CONFIG, {"AUTH_DEV_SECRET": "123456"})

    assert production["AUTH"]["dev_secret"] == "123456"


def test_production_config_reads_every_setting_from_the_environment():
    production = load_nameko_config(
        PRODUCTION_CONFIG,
        {
            "GATEWAY_ADDRESS": "0.0.0.0:9000",
            "LOG_LEVEL": "DEBUG",
            "EVENT_MAX_RETRIES": "7",
            "AUTH_ISSUER": "https://login.example.org/realms/rathaus",
            "AUTH_JWKS_URL": "https://login.example.org/certs",
        },
    )

    assert production["WEB_SERVER_ADDRESS"] == "0.0.0.0:9000"
    assert production["LOG_LEVEL"] == "DEBUG"
    assert production["EVENTS"]["max_retries"] == 7
    assert production["AUTH"]["issuer"] == "https://login.example.org/realms/rathaus"
    assert production["AUTH"]["jwks_url"] == "https://login.example.org/certs"


def test_production_config_names_a_database_for_every_business_service():
    production = load_nameko_config(PRODUCTION_CONFIG)

    assert set(production["DATABASES"]) == set(BUSINESS_SERVICES)


@pytest.mark.parametrize("name", BUSINESS_SERVICES)
def test_each_service_gets_a_database_derived_from_database_url_unless_one_is_named(name):
    base = "postgresql://rathaus:secret@postgres:5432/rathaus"
    own = f"postgresql://{name}:other@db-{name}.internal:5432/{name}"

    derived = load_nameko_config(PRODUCTION_CONFIG, {"DATABASE_URL": base})
    with config.patch(derived, clear=True):
        url = make_url(database_url(name))
    assert (url.host, url.database, url.password) == ("postgres", f"rathaus_{name}", "secret")

    named = load_nameko_config(
        PRODUCTION_CONFIG, {"DATABASE_URL": base, f"{name.upper()}_DATABASE_URL": own}
    )
    with config.patch(named, clear=True):
        assert database_url(name) == own


def test_every_environment_variable_the_production_config_reads_is_documented():
    readme = (REPO / "deploy" / "README.md").read_text()

    undocumented = {name for name in environment_names_in(PRODUCTION_CONFIG) if name not in readme}
    assert not undocumented, f"deploy/README.md does not mention {sorted(undocumented)}"


DOCUMENTS_SECRETS = ("master_key", "s3_access_key_id", "s3_secret_access_key")


def test_production_config_has_no_default_documents_master_key_or_bucket_credentials():
    documents = load_nameko_config(PRODUCTION_CONFIG)["DOCUMENTS"]

    for key in DOCUMENTS_SECRETS:
        assert documents[key] == "", f"DOCUMENTS.{key} has a default"


def test_production_config_takes_the_documents_secrets_verbatim_from_the_environment():
    # base64 may end in "=", and a key id may be all digits
    values = {
        "DOCUMENTS_MASTER_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "DOCUMENTS_S3_ACCESS_KEY_ID": "0123456789",
        "DOCUMENTS_S3_SECRET_ACCESS_KEY": "pa #ss: word",
    }
    documents = load_nameko_config(PRODUCTION_CONFIG, values)["DOCUMENTS"]

    assert documents["master_key"] == values["DOCUMENTS_MASTER_KEY"]
    assert documents["s3_access_key_id"] == values["DOCUMENTS_S3_ACCESS_KEY_ID"]
    assert documents["s3_secret_access_key"] == values["DOCUMENTS_S3_SECRET_ACCESS_KEY"]


def test_the_documents_data_plane_listens_on_every_interface_where_the_gateway_looks():
    production = load_nameko_config(PRODUCTION_CONFIG)
    url = urlsplit(production["GATEWAY"]["documents_url"])

    assert production["DOCUMENTS"]["data_address"] == "0.0.0.0:8001"
    assert (url.scheme, url.hostname, url.port) == ("http", "documents", 8001)


def test_production_config_prints_no_other_office_on_letters_and_keeps_a_phone_as_written():
    assert set(load_nameko_config(PRODUCTION_CONFIG)["OFFICE"].values()) == {""}

    office = load_nameko_config(PRODUCTION_CONFIG, {"OFFICE_PHONE": "012345"})["OFFICE"]
    assert office["phone"] == "012345"


def test_production_config_trusts_no_identity_key_unless_the_environment_names_one():
    identity = load_nameko_config(PRODUCTION_CONFIG)["IDENTITY"]

    assert identity["development_key"] is False
    assert not identity["signing_key"]
    assert not identity["trusted_keys"]
    with config.patch({"IDENTITY": identity}), pytest.raises(ConfigurationError):
        IdentityVerifier.from_config()
    with config.patch({"IDENTITY": identity}), pytest.raises(ConfigurationError):
        IdentitySigner.from_config()


def test_production_config_takes_the_identity_keys_verbatim_from_the_environment():
    signing_key, public_key = new_key_pair()
    values = {"IDENTITY_SIGNING_KEY": signing_key, "IDENTITY_TRUSTED_KEYS": f"gateway={public_key}"}
    identity = load_nameko_config(PRODUCTION_CONFIG, values)["IDENTITY"]

    with config.patch({"IDENTITY": identity}):
        signer, verifier = IdentitySigner.from_config(), IdentityVerifier.from_config()
    caller = Caller("erika", "citizen")
    assert verifier.caller_of(signer.context_for(caller)) == caller
