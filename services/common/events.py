"""The event envelope and the catalogue of event contracts.

Every event travels in one envelope: `event_id`, `type`, `version`, `occurred_at`,
`correlation_id`, `payload`, and with tracing on the W3C `traceparent` of the work that
recorded it (`services.common.tracing`); an envelope without one is as valid. Each service
declares the events it publishes in its own `events.py` with a marshmallow schema per type
and version; payloads are validated against that schema when they are recorded and again
when they are received.
"""

from __future__ import annotations

import builtins
import functools
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, validate

if TYPE_CHECKING:
    from services.common.database import Transaction


class InvalidEvent(Exception):
    """An envelope or payload that breaks its contract; it is never retried."""


class EnvelopeSchema(Schema):
    class Meta:
        unknown = RAISE

    event_id = fields.UUID(required=True)
    type = fields.String(required=True, validate=validate.Length(min=1, max=100))
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=UTC)
    correlation_id = fields.String(required=True, allow_none=True)
    payload = fields.Dict(keys=fields.String(), required=True)
    # tracing metadata, never a reason to refuse an event: a malformed one starts a new trace
    traceparent = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "W3C trace context of the work that recorded the event; only "
            "with tracing on (deploy/README.md, Tracing)"
        },
    )


# a schema instance holds no state between loads; building one per event cost ~0.1 ms
_ENVELOPE = EnvelopeSchema()


@dataclass(frozen=True)
class Event:
    type: str
    payload: Mapping[str, Any]
    version: int = 1
    event_id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str | None = None
    traceparent: str | None = None

    def to_message(self) -> dict[str, Any]:
        message = {
            "event_id": str(self.event_id),
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat(),
            "correlation_id": self.correlation_id,
            "payload": dict(self.payload),
        }
        if self.traceparent is not None:
            # only with tracing on: a consumer of the release before refuses unknown keys
            message["traceparent"] = self.traceparent
        return message

    @classmethod
    def from_message(cls, body: Any) -> Event:
        if not isinstance(body, Mapping):
            raise InvalidEvent(f"an event must be a JSON object, got {type(body).__name__}")
        try:
            return cls(**_ENVELOPE.load(body))
        except ValidationError as error:
            raise InvalidEvent(f"invalid envelope: {error.messages}") from error


@dataclass(frozen=True)
class EventContract:
    """One published event type: who publishes it, its payload schema and what it means."""

    source: str
    type: str
    version: int
    # `builtins.`: the field `type` above hides the builtin in the class body
    schema: builtins.type[Schema]
    description: str
    # the attributes that may leave the platform (webhooks, the clerks' live stream): ids
    # and non-personal facts; every other attribute stays inside
    public: frozenset[str] = frozenset()
    # a broadcast of the moment (the clerks' live stream): one that no queue takes when it
    # is published is dropped and counted, not parked for an operator (topology.py)
    transient: bool = False

    def thin(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The payload without anything personal or secret: what a webhook may carry."""
        return {name: value for name, value in payload.items() if name in self.public}

    def validate(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return _loader(self.schema).load(payload)
        except ValidationError as error:
            raise InvalidEvent(
                f"{self.source}.{self.type} v{self.version} payload: {error.messages}"
            ) from error


class TypedEvent:
    """An event as a value: its contract, and the payload its schema dumps from the fields."""

    contract: ClassVar[EventContract]

    def payload(self) -> dict[str, Any]:
        return self.contract.schema().dump(asdict(self))  # type: ignore[call-overload]


def publish(tx: Transaction, event: TypedEvent) -> None:
    """Record the event in the transaction's outbox: it leaves once the transaction commits."""
    tx.publish(event.contract, event.payload())


_contracts: dict[tuple[str, str, int], EventContract] = {}


@functools.cache
def _loader(schema: type[Schema]) -> Schema:
    return schema()


def define_event(
    source: str,
    event_type: str,
    schema: type[Schema],
    *,
    version: int = 1,
    description: str,
    public: tuple[str, ...] = (),
    transient: bool = False,
) -> EventContract:
    unknown = set(public) - set(schema().fields)
    if unknown:
        raise ValueError(f"{source}.{event_type}: public names unknown fields {sorted(unknown)}")
    contract = EventContract(
        source, event_type, version, schema, description, frozenset(public), transient
    )
    _contracts[(source, event_type, version)] = contract
    return contract


def find_contract(source: str, event_type: str, version: int) -> EventContract:
    """A contract registered by its publisher's events module, which the caller imported."""
    key = (source, event_type, version)
    try:
        return _contracts[key]
    except KeyError:
        raise InvalidEvent(f"no contract for {source}.{event_type} v{version}") from None


def is_transient(source: str, event_type: str, version: int) -> bool:
    """Whether the event is a broadcast of the moment; an event without a contract is not."""
    try:
        return find_contract(source, event_type, version).transient
    except InvalidEvent:
        return False


def all_contracts() -> list[EventContract]:
    return sorted(_contracts.values(), key=lambda c: (c.source, c.type, c.version))
