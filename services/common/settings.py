"""Typed access to the nameko configuration (YAML with environment substitution)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TypeVar

from nameko import config
from nameko.exceptions import ConfigurationError
from sqlalchemy.engine import make_url

T = TypeVar("T")

DEFAULT_AMQP_URI = "pyamqp://guest:guest@127.0.0.1:5672/"
DEFAULT_DATABASE_URL = "sqlite:///var/rathaus.db"


def amqp_uri() -> str:
    return config.get("AMQP_URI") or DEFAULT_AMQP_URI


def section(name: str) -> dict[str, Any]:
    return config.get(name) or {}


def database_url(service_name: str) -> str:
    """The database a service owns.

    An explicit `DATABASES.<service>` wins; otherwise the service's name is appended to the
    shared `DATABASE_URL`, so one setting gives every service a database of its own
    (`var/rathaus_appointments.db`, `postgresql://.../rathaus_appointments`).
    """
    explicit = section("DATABASES").get(service_name)
    if explicit:
        return str(explicit)
    return derive_database_url(
        str(config.get("DATABASE_URL") or DEFAULT_DATABASE_URL), service_name
    )


def derive_database_url(base_url: str, service_name: str) -> str:
    url = make_url(base_url)
    database = url.database or "rathaus"
    if url.get_backend_name() == "sqlite":
        stem, dot, suffix = database.rpartition(".")
        database = f"{stem}_{service_name}.{suffix}" if dot else f"{database}_{service_name}"
    else:
        database = f"{database}_{service_name}"
    return url.set(database=database).render_as_string(hide_password=False)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing event handler is retried before dead-lettering."""

    max_retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 300.0

    def delay_for(self, retry_number: int) -> float:
        """Capped exponential back-off: base, 2*base, 4*base ... never above max_delay."""
        return min(self.base_delay * 2 ** (retry_number - 1), self.max_delay)

    @classmethod
    def from_config(cls) -> RetryPolicy:
        events = section("EVENTS")
        defaults = cls()
        return cls(
            max_retries=int(events.get("max_retries", defaults.max_retries)),
            base_delay=float(events.get("retry_base_delay", defaults.base_delay)),
            max_delay=float(events.get("retry_max_delay", defaults.max_delay)),
        )


@dataclass(frozen=True)
class InboxSettings:
    kept_days: float = 14.0  # how long a handled event is remembered against its duplicates

    @classmethod
    def from_config(cls) -> InboxSettings:
        return cls(kept_days=float(section("INBOX").get("kept_days", cls.kept_days)))


@dataclass(frozen=True)
class OutboxSettings:
    relay_enabled: bool = True
    sweep_interval: float = 2.0
    batch_size: int = 200
    kept_days: float = 7.0  # how long a published event stays in the outbox
    # seconds a kicked relay waits at most for the service's other transactions that are
    # recording events to end: fuller batches, fewer round trips, at up to that much latency
    linger: float = 0.01

    @classmethod
    def from_config(cls) -> OutboxSettings:
        outbox = section("OUTBOX")
        defaults = cls()
        return cls(
            relay_enabled=bool(outbox.get("relay", defaults.relay_enabled)),
            sweep_interval=float(outbox.get("sweep_interval", defaults.sweep_interval)),
            batch_size=int(outbox.get("batch_size", defaults.batch_size)),
            kept_days=float(outbox.get("kept_days", defaults.kept_days)),
            linger=float(outbox.get("linger", defaults.linger)),
        )


def rpc_timeout() -> float:
    return float(config.get("RPC_TIMEOUT", 10))


def flag(value: Any) -> bool:
    """A yes/no setting; anything that is neither is a configuration error, not a guess."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", "", "none"):
        return False
    raise ConfigurationError(f"Not a yes/no value: {value!r}")


_CONVERTERS: dict[str, Any] = {"bool": flag, "int": int, "float": float, "str": str}


def from_section(settings_class: type[T], name: str) -> T:
    """A settings dataclass filled from a config section; keys it does not name keep defaults.

    Field types must be bool, int, float or str (values from the environment are strings).
    An empty value (`${NAME:}` with NAME unset reads as null) keeps the default too.
    """
    configured = section(name)
    values = {
        spec.name: _CONVERTERS[str(spec.type)](configured[spec.name])
        for spec in dataclasses.fields(settings_class)  # type: ignore[arg-type]
        if configured.get(spec.name) is not None
    }
    return settings_class(**values)
