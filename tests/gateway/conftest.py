"""Fixtures for the gateway: start it on a free port, sign in, a fake identity provider."""

from __future__ import annotations

import importlib

import pytest

from services import BUSINESS_SERVICES
from services.common.migrations import upgrade
from services.common.settings import database_url
from services.gateway.service import GatewayService
from tests.gateway.doubles import GatewayUnderTest
from tests.gateway.identity_provider import IdentityProvider

DEV_SECRET = "a-test-secret-of-at-least-thirty-two-characters"
DEV_AUTH = {
    "dev_login": True,
    "dev_secret": DEV_SECRET,
    "issuer": "rathaus-online-test",
    "audience": "rathaus-online",
    "token_lifetime": 600,
}
MAX_BODY_BYTES = 1024
HEALTH_TIMEOUT = 0.5
ALTCHA_HMAC_KEY = "a-test-altcha-key-of-at-least-thirty-two-characters"
# a small search space: a test solves a challenge in a few milliseconds
CHALLENGE = {"hmac_key": ALTCHA_HMAC_KEY, "max_number": 2000, "expires_seconds": 60}
# the test routes' limit: a burst of 3, then one request a second
TEST_LIMIT = {"per_minute": 60, "burst": 3}


@pytest.fixture
def start_gateway(platform_config, web_config, container_factory):
    """Start the gateway (or a subclass) with the settings given; dev-login by default.

    `gateway` adds to the GATEWAY section; `challenge` replaces the CHALLENGE section;
    `rate_limits` adds to the RATE_LIMITS section.
    """

    def start(
        service_cls=GatewayService, auth=None, gateway=None, challenge=None, rate_limits=None
    ):
        container = container_factory(
            service_cls,
            {
                "AUTH": DEV_AUTH if auth is None else auth,
                "GATEWAY": {
                    "max_body_bytes": MAX_BODY_BYTES,
                    "health_timeout": HEALTH_TIMEOUT,
                    **(gateway or {}),
                },
                "CHALLENGE": CHALLENGE if challenge is None else challenge,
                "RATE_LIMITS": {"test": TEST_LIMIT, **(rate_limits or {})},
            },
        )
        container.start()
        return container

    return start


@pytest.fixture
def gateway(start_gateway):
    return start_gateway()


@pytest.fixture
def gateway_under_test(start_gateway):
    """The gateway with the test routes of `GatewayUnderTest`; no other service runs."""
    return start_gateway(GatewayUnderTest)


@pytest.fixture
def login(web_session):
    """Headers with a dev-login bearer token for a role."""

    def login_as(
        role: str, subject: str | None = None, departments: tuple[str, ...] = ()
    ) -> dict[str, str]:
        body = {"subject": subject or f"test-{role}", "role": role}
        answer = web_session.post(
            "/api/v1/auth/dev-login", json={**body, "departments": list(departments)}
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    return login_as


@pytest.fixture
def identity_provider():
    provider = IdentityProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def business_services(platform_config):
    """The five business service classes, their databases migrated."""
    classes = {}
    for name in BUSINESS_SERVICES:
        upgrade(name, database_url(name))
        module = importlib.import_module(f"services.{name}.service")
        classes[name] = next(
            value
            for value in vars(module).values()
            if isinstance(value, type) and getattr(value, "name", None) == name
        )
    return classes
