"""The gateway for the services' tests: started on a free port with dev login, and signed-in
headers. A pytest plugin (tests/conftest.py); the settings are imported from here."""

from __future__ import annotations

import pytest

from services.gateway.service import GatewayService

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
