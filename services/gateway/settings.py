"""The gateway's configuration: the `GATEWAY`, `AUTH`, `CHALLENGE` and `RATE_LIMITS` sections.

Each has safe defaults; a value that can't be right stops the gateway at start-up.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from nameko.exceptions import ConfigurationError

from services.common.settings import flag, from_section, section

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MIN_SECRET_LENGTH = 32


@dataclass(frozen=True)
class GatewaySettings:
    max_body_bytes: int = 1024 * 1024
    # /health waits this long for the services and the broker, then calls them unavailable
    health_timeout: float = 2.0
    # the proxies whose X-Forwarded-For names the client; empty: the peer is the client
    trusted_proxies: tuple[Network, ...] = ()
    # the documents service's data plane, where uploads and downloads stream
    documents_url: str = "http://127.0.0.1:8001"
    # how long a stream may wait on the data plane (completing a large upload re-reads it)
    stream_timeout: float = 600.0
    # the clerks' live stream: a comment this often keeps proxies from closing it idle
    stream_heartbeat: float = 15.0
    # items waiting for one slow live-stream client; one more and it is disconnected
    stream_backlog: int = 100
    # where the public reaches this API (behind a proxy: https://buergerservice.soest.de);
    # Open311 discovery names its endpoint there. Empty: where each request came to
    public_url: str = ""

    @classmethod
    def from_config(cls) -> GatewaySettings:
        gateway = section("GATEWAY")
        defaults = cls()
        settings = cls(
            max_body_bytes=int(gateway.get("max_body_bytes", defaults.max_body_bytes)),
            health_timeout=float(gateway.get("health_timeout", defaults.health_timeout)),
            trusted_proxies=_networks(gateway.get("trusted_proxies")),
            documents_url=str(gateway.get("documents_url") or defaults.documents_url).rstrip("/"),
            stream_timeout=float(gateway.get("stream_timeout", defaults.stream_timeout)),
            stream_heartbeat=float(gateway.get("stream_heartbeat", defaults.stream_heartbeat)),
            stream_backlog=int(gateway.get("stream_backlog", defaults.stream_backlog)),
            public_url=str(gateway.get("public_url") or "").rstrip("/"),
        )
        if settings.stream_heartbeat <= 0 or settings.stream_backlog < 1:
            raise ConfigurationError(
                "GATEWAY.stream_heartbeat must be positive and stream_backlog at least 1."
            )
        if settings.public_url and not settings.public_url.startswith(("https://", "http://")):
            raise ConfigurationError("GATEWAY.public_url is an http(s) address, or empty.")
        return settings


def _networks(value: Any) -> tuple[Network, ...]:
    """A list of addresses and CIDR blocks, or one comma-separated string of them (from env)."""
    if not value:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    try:
        return tuple(ipaddress.ip_network(str(item).strip(), strict=False) for item in items)
    except ValueError as error:
        raise ConfigurationError(f"GATEWAY.trusted_proxies: {error}") from None


@dataclass(frozen=True)
class AuthSettings:
    """Who may sign tokens the gateway accepts.

    Without an `AUTH` section nobody can sign in: dev-login is off unless switched on.
    """

    dev_login: bool = False
    dev_secret: str = ""
    issuer: str = "rathaus-online"
    audience: str = "rathaus-online"
    jwks_url: str | None = None
    token_lifetime: int = 3600
    # the claim naming the caller's role; a dotted path reaches into nested claims
    role_claim: str = "role"
    algorithms: tuple[str, ...] = ("RS256",)
    leeway: float = 30.0

    @classmethod
    def from_config(cls) -> AuthSettings:
        auth = section("AUTH")
        defaults = cls()
        settings = cls(
            dev_login=flag(auth.get("dev_login", defaults.dev_login)),
            dev_secret=str(auth.get("dev_secret") or ""),
            issuer=str(auth.get("issuer") or defaults.issuer),
            audience=str(auth.get("audience") or defaults.audience),
            jwks_url=str(auth["jwks_url"]) if auth.get("jwks_url") else None,
            token_lifetime=int(auth.get("token_lifetime", defaults.token_lifetime)),
            role_claim=str(auth.get("role_claim") or defaults.role_claim),
            algorithms=tuple(auth.get("algorithms") or defaults.algorithms),
            leeway=float(auth.get("leeway", defaults.leeway)),
        )
        if settings.dev_login and len(settings.dev_secret) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                f"AUTH.dev_secret needs at least {MIN_SECRET_LENGTH} characters."
            )
        if any(not algorithm.startswith(("RS", "PS", "ES")) for algorithm in settings.algorithms):
            raise ConfigurationError("AUTH.algorithms takes asymmetric algorithms only.")
        return settings


@dataclass(frozen=True)
class ChallengeSettings:
    """The ALTCHA proof of work asked before a booking (services/gateway/challenge.py)."""

    hmac_key: str = ""
    # the search space: a solver tries half of it on average; more costs bots and slow
    # phones alike
    max_number: int = 100_000
    expires_seconds: int = 600

    @classmethod
    def from_config(cls) -> ChallengeSettings:
        settings = from_section(cls, "CHALLENGE")
        if len(settings.hmac_key) < MIN_SECRET_LENGTH:
            raise ConfigurationError(
                f"CHALLENGE.hmac_key needs at least {MIN_SECRET_LENGTH} characters."
            )
        if settings.max_number < 1 or settings.expires_seconds < 1:
            raise ConfigurationError("CHALLENGE.max_number and expires_seconds must be positive.")
        return settings


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: `burst` requests at once, refilled at `per_minute`."""

    per_minute: float
    burst: int

    @property
    def per_second(self) -> float:
        return self.per_minute / 60


# what a route's `rate_limit` may name; RATE_LIMITS overrides these or adds others
DEFAULT_RATE_LIMITS: dict[str, RateLimit] = {
    "availability": RateLimit(per_minute=120, burst=30),
    "booking": RateLimit(per_minute=10, burst=5),
    # reports, ideas, comments, ratings, supports and flags
    "participation": RateLimit(per_minute=20, burst=10),
}


def rate_limits_from_config() -> dict[str, RateLimit]:
    """Every limit by name: the defaults, as RATE_LIMITS changes and adds to them."""
    limits = dict(DEFAULT_RATE_LIMITS)
    for name, given in section("RATE_LIMITS").items():
        default = limits.get(name)
        try:
            limit = RateLimit(
                per_minute=float(given.get("per_minute", default and default.per_minute)),
                burst=int(given.get("burst", default and default.burst)),
            )
        except (AttributeError, TypeError, ValueError):
            raise ConfigurationError(
                f"RATE_LIMITS.{name} needs per_minute and burst, both numbers."
            ) from None
        if limit.per_minute <= 0 or limit.burst < 1:
            raise ConfigurationError(f"RATE_LIMITS.{name}: per_minute > 0 and burst >= 1.")
        limits[name] = limit
    return limits
