"""The gateway's configuration: the `GATEWAY` and `AUTH` sections, with safe defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nameko.exceptions import ConfigurationError

from services.common.settings import section


@dataclass(frozen=True)
class GatewaySettings:
    max_body_bytes: int = 1024 * 1024
    # /health waits this long for the services and the broker, then calls them unavailable
    health_timeout: float = 2.0

    @classmethod
    def from_config(cls) -> GatewaySettings:
        gateway = section("GATEWAY")
        defaults = cls()
        return cls(
            max_body_bytes=int(gateway.get("max_body_bytes", defaults.max_body_bytes)),
            health_timeout=float(gateway.get("health_timeout", defaults.health_timeout)),
        )


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
            dev_login=_flag(auth.get("dev_login", defaults.dev_login)),
            dev_secret=str(auth.get("dev_secret") or ""),
            issuer=str(auth.get("issuer") or defaults.issuer),
            audience=str(auth.get("audience") or defaults.audience),
            jwks_url=str(auth["jwks_url"]) if auth.get("jwks_url") else None,
            token_lifetime=int(auth.get("token_lifetime", defaults.token_lifetime)),
            role_claim=str(auth.get("role_claim") or defaults.role_claim),
            algorithms=tuple(auth.get("algorithms") or defaults.algorithms),
            leeway=float(auth.get("leeway", defaults.leeway)),
        )
        if settings.dev_login and len(settings.dev_secret) < 32:
            raise ConfigurationError("AUTH.dev_secret needs at least 32 characters.")
        if any(not algorithm.startswith(("RS", "PS", "ES")) for algorithm in settings.algorithms):
            raise ConfigurationError("AUTH.algorithms takes asymmetric algorithms only.")
        return settings


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", "", "none"):
        return False
    raise ConfigurationError(f"Not a yes/no value: {value!r}")
