"""Webhooks: other systems subscribe to event types and receive them, signed.

A delivery is a POST of the event's public attributes (never personal data or secret
links) with `X-Rathaus-Timestamp` (Unix seconds) and `X-Rathaus-Signature: v1=<hex>`, the
HMAC-SHA256 of `<timestamp>.<body>` under the subscription's secret: the receiver
recomputes it and refuses old timestamps, so a captured delivery cannot be replayed. A
subscription is taken only after its callback answered a signed test call with 2xx.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from services.notifications.errors import CallbackTestFailed, InvalidCallbackUrl
from services.notifications.http_delivery import post
from services.notifications.outcomes import Outcome

TIMESTAMP_HEADER = "X-Rathaus-Timestamp"
SIGNATURE_HEADER = "X-Rathaus-Signature"
DELIVERY_HEADER = "X-Rathaus-Delivery"
EVENT_HEADER = "X-Rathaus-Event"
TEST_EVENT = "notifications.subscription_test"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def signed_headers(secret: str, body: bytes, delivery_id: str, event_type: str) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        DELIVERY_HEADER: delivery_id,
        EVENT_HEADER: event_type,
    }


def deliver(
    url: str, secret: str, body: bytes, delivery_id: str, event_type: str, timeout: float
) -> Outcome:
    return post(url, body, signed_headers(secret, body, delivery_id, event_type), timeout)


def check_callback_url(url: str, *, private_allowed: bool) -> None:
    """Refuse what is not an absolute http(s) URL, and (in production) internal addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidCallbackUrl(
            "The callback URL must be an absolute http(s) URL.", {"callback_url": url}
        )
    if parts.username or parts.password or parts.fragment:
        raise InvalidCallbackUrl(
            "The callback URL may not carry credentials or a fragment; use the secret.",
            {"callback_url": url},
        )
    if private_allowed:
        return
    if parts.scheme != "https":
        raise InvalidCallbackUrl("Callbacks must use https.", {"callback_url": url})
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except OSError:
        raise InvalidCallbackUrl(
            "The callback's host name does not resolve.", {"host": parts.hostname}
        ) from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if not ip.is_global:
            raise InvalidCallbackUrl(
                "Callbacks may not point at internal or private addresses.",
                {"host": parts.hostname, "address": address},
            )


def test_call(url: str, secret: str, timeout: float, now: datetime) -> None:
    """Sign and send a test event; anything but 2xx refuses the subscription."""
    delivery_id = str(uuid.uuid4())
    body = encode_body(
        {
            "event_id": delivery_id,
            "event_type": TEST_EVENT,
            "occurred_at": now.isoformat(),
            "subscription_id": None,
            "data": {},
        }
    )
    outcome = deliver(url, secret, body, delivery_id, TEST_EVENT, timeout)
    if not outcome.delivered:
        raise CallbackTestFailed(
            "The callback did not answer the test call with 2xx; nothing was subscribed.",
            {"callback_url": url, "answer": outcome.response},
        )


def encode_body(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
