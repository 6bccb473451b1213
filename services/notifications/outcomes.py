"""What a channel reports about one try, in the delivery log's terms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CREATED = "created"
SENDING = "sending"
DELIVERED = "delivered"
TEMPORARY = "temporary_failure"  # worth another try: the provider is down or busy
PERMANENT = "permanent_failure"  # the provider refused for good: a wrong address, a 4xx
TECHNICAL = "technical_failure"  # our side failed: a bug, a broken message
FAILURES = (TEMPORARY, PERMANENT, TECHNICAL)
STATUSES = (CREATED, SENDING, DELIVERED, *FAILURES)
CHANNELS = ("email", "sms", "inbox", "webhook")


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, as a channel sends it."""

    id: str
    channel: str
    recipient: str
    content: dict[str, Any]
    event_id: str
    event_type: str
    template: str | None
    attempts: int  # tries before this one
    retry_from: int
    is_alert: bool
    in_doubt: bool  # its sender stopped mid-send: it may have arrived


@dataclass(frozen=True)
class Outcome:
    status: str
    response: str

    @property
    def delivered(self) -> bool:
        return self.status == DELIVERED
