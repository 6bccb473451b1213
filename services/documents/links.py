"""Short-lived signed download links: the token itself grants one reader one version.

A token is `payload.signature`, both base64url; the payload names the document, the version,
who asked for the link and when it stops working. No database lookup decides whether a
token is genuine, and a changed byte anywhere makes it worthless.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from services.documents.errors import InvalidLink, LinkExpired


@dataclass(frozen=True)
class DownloadGrant:
    document_id: str
    version: int
    reader: str | None
    reader_role: str | None
    expires_at: datetime
    # a clerk's departments, which decide what they read (access.may_read)
    reader_departments: tuple[str, ...] = ()


def sign_link(key: bytes, grant: DownloadGrant) -> str:
    payload = json.dumps(
        {
            "d": grant.document_id,
            "v": grant.version,
            "r": grant.reader,
            "o": grant.reader_role,
            "p": list(grant.reader_departments),
            "e": int(grant.expires_at.timestamp()),
        },
        separators=(",", ":"),
    ).encode()
    body = _b64(payload)
    return f"{body}.{_b64(_signature(key, body))}"


def read_link(key: bytes, token: str, now: datetime) -> DownloadGrant:
    body, _, signature = token.partition(".")
    try:
        genuine = hmac.compare_digest(_unb64(signature), _signature(key, body))
        claims = json.loads(_unb64(body)) if genuine else None
    except (ValueError, TypeError):
        claims = None
    if not claims:
        raise InvalidLink("This download link is not valid.")
    grant = DownloadGrant(
        document_id=claims["d"],
        version=int(claims["v"]),
        reader=claims["r"],
        reader_role=claims["o"],
        expires_at=datetime.fromtimestamp(claims["e"], UTC),
        reader_departments=tuple(claims.get("p", ())),
    )
    if now >= grant.expires_at:
        raise LinkExpired(
            "This download link has expired; ask for a new one.",
            {"expired_at": grant.expires_at.isoformat()},
        )
    return grant


def _signature(key: bytes, body: str) -> bytes:
    return hmac.new(key, body.encode(), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
