"""The secrets that ship with the project, and the check that refuses them in production.

docker-compose.yml, config/local.yaml and the code carry keys and passwords so that the
platform starts on a laptop with nothing set. Anyone can read them, so a process running
in production (`ENVIRONMENT: production`, which `RATHAUS_ENV` sets and the production
config defaults to) names each one still in use and does not start.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from services.common.identity import DEVELOPMENT_SIGNING_KEY, public_key_of
from services.portal.settings import DEVELOPMENT_SESSION_KEY

PRODUCTION, DEVELOPMENT = "production", "development"
ENVIRONMENTS = (PRODUCTION, DEVELOPMENT)

# docker-compose.yml's defaults (tests/deployment/test_default_secrets.py keeps this in step)
COMPOSE_SIGNING_KEY = "ri9IRAgLgqDHhXKx3rCls8q2mBPyvvChR1MIG4lGxrs="
COMPOSE_SESSION_KEY = "Y29tcG9zZS1kZXYtcG9ydGFsLXNlc3Npb24ta2V5ISE="
COMPOSE_MASTER_KEY = "Y29tcG9zZS1kZXYtZG9jdW1lbnRzLWtleS1jaGFuZ2U="
COMPOSE_ALTCHA_KEY = "compose-development-altcha-key-change-me"
# config/local.yaml's defaults
LOCAL_MASTER_KEY = "bG9jYWwtZGV2ZWxvcG1lbnQta2V5LWNoYW5nZS1tZSE="
LOCAL_ALTCHA_KEY = "local-development-altcha-key-change-me"
LOCAL_DEV_SECRET = "local-development-secret-change-me"
# the compose file's broker and database password (and user)
COMPOSE_PASSWORD = "rathaus"

SIGNING_KEYS = frozenset({COMPOSE_SIGNING_KEY, DEVELOPMENT_SIGNING_KEY})
KNOWN_KEYS: dict[tuple[str, str], frozenset[str]] = {
    ("IDENTITY", "signing_key"): SIGNING_KEYS,
    ("PORTAL", "session_key"): frozenset({COMPOSE_SESSION_KEY, DEVELOPMENT_SESSION_KEY}),
    ("DOCUMENTS", "master_key"): frozenset({COMPOSE_MASTER_KEY, LOCAL_MASTER_KEY}),
    ("CHALLENGE", "hmac_key"): frozenset({COMPOSE_ALTCHA_KEY, LOCAL_ALTCHA_KEY}),
    ("AUTH", "dev_secret"): frozenset({LOCAL_DEV_SECRET}),
}
# the environment variable that sets each, as deploy/config/production.yaml reads it
VARIABLES = {
    ("IDENTITY", "signing_key"): "IDENTITY_SIGNING_KEY",
    ("IDENTITY", "trusted_keys"): "IDENTITY_TRUSTED_KEYS",
    ("PORTAL", "session_key"): "PORTAL_SESSION_KEY",
    ("DOCUMENTS", "master_key"): "DOCUMENTS_MASTER_KEY",
    ("CHALLENGE", "hmac_key"): "ALTCHA_HMAC_KEY",
    ("AUTH", "dev_secret"): "AUTH_DEV_SECRET",
}


class UnknownEnvironment(ValueError):
    """ENVIRONMENT (RATHAUS_ENV) is neither production nor development."""


@dataclass(frozen=True)
class DefaultSecret:
    variable: str
    why: str

    def __str__(self) -> str:
        return f"{self.variable}: {self.why}"


def environment_of(config: Mapping[str, Any]) -> str:
    """The configured environment; a value other than the two known is an error, not a
    guess (a typo must not turn the check off)."""
    value = str(config.get("ENVIRONMENT") or DEVELOPMENT).strip().lower()
    if value not in ENVIRONMENTS:
        raise UnknownEnvironment(
            f"ENVIRONMENT (RATHAUS_ENV) is {value!r}: use {' or '.join(ENVIRONMENTS)}"
        )
    return value


def default_secrets(config: Mapping[str, Any]) -> list[DefaultSecret]:
    """Every secret in `config` that is one the project ships, with what it is."""
    found = [
        DefaultSecret(VARIABLES[path], "a development key published with the project")
        for path, known in KNOWN_KEYS.items()
        if _text(config, *path) in known
    ]
    trusted = _text(config, "IDENTITY", "trusted_keys")
    published = {public_key_of(key) for key in SIGNING_KEYS}
    if any(key.partition("=")[2].strip() in published for key in trusted.split(",")):
        found.append(
            DefaultSecret(
                VARIABLES[("IDENTITY", "trusted_keys")],
                "trusts the public half of a development key pair published with the project",
            )
        )
    found.extend(_weak_passwords(config))
    return found


def _weak_passwords(config: Mapping[str, Any]) -> Iterator[DefaultSecret]:
    urls = {"AMQP_URI": config.get("AMQP_URI"), "DATABASE_URL": config.get("DATABASE_URL")}
    for service, url in (config.get("DATABASES") or {}).items():
        urls[f"{str(service).upper()}_DATABASE_URL"] = url
    for variable, url in urls.items():
        user, password = _credentials(url)
        if password is not None and password in {COMPOSE_PASSWORD, user}:
            yield DefaultSecret(
                variable, f"the password of user {user!r} is a default ({password!r})"
            )


def _credentials(url: Any) -> tuple[str | None, str | None]:
    if not url:
        return None, None
    try:
        parsed = make_url(str(url).replace("pyamqp://", "amqp://", 1))
    except ArgumentError:
        return None, None
    return parsed.username, parsed.password


def _text(config: Mapping[str, Any], section: str, key: str) -> str:
    return str((config.get(section) or {}).get(key) or "")


def refusal(config: Mapping[str, Any]) -> str | None:
    """Why a process with `config` must not start, or None: production with a shipped secret."""
    if environment_of(config) != PRODUCTION:
        return None
    found = default_secrets(config)
    if not found:
        return None
    lines = "\n".join(f"  - {secret}" for secret in found)
    return (
        "Refusing to start in production (RATHAUS_ENV=production) with secrets that ship "
        f"with the project, which anyone can read:\n{lines}\n"
        "Set your own (deploy/README.md, 'Secrets'), or RATHAUS_ENV=development for a "
        "trial on one machine."
    )
