"""Idempotency keys: a create sent again after a lost answer is answered, not done twice.

A client that loses the answer to a create (the broker restarted, the gateway was killed)
sends the same request again with the same `Idempotency-Key`. The service that makes the
thing remembers, in its own database and in the same transaction, who sent which key for
which operation, a fingerprint of what was asked and the id of what was made:

    once = Once(self.db.transaction, Keyed.of(caller.subject, "report", key, request), view)
    if (earlier := once.earlier()) is not None:
        return earlier                           # before spending a challenge or counting
    return once.make(lambda tx: make_report(tx))  # the id of what was made

The same key from the same caller for the same operation with the same request answers
what the first one made (as it is now); with another request it is refused
(`idempotency_key_reused`, 409). Keys are per caller and operation, so two citizens never
meet each other's. A key is kept for KEPT, then forgotten by every service's hourly sweep
(services/common/service.py). Only a create that succeeded is remembered: a refused one may
be sent again, with the same key, once what was wrong is put right.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import CursorResult, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.database import Transaction
from services.common.errors import InvalidInput, ServiceError, service_error
from services.common.tables import IDEMPOTENCY_KEY_LENGTH, idempotency_keys

T = TypeVar("T")
Transactions = Callable[[], AbstractContextManager[Transaction]]

# how long a key answers: longer than any client retries after a lost answer
KEPT = timedelta(hours=24)
SWEEP_SECONDS = 3600.0
MAX_KEY_LENGTH = IDEMPOTENCY_KEY_LENGTH
# the name the key has in a request body and in the details of a refusal
FIELD = "idempotency_key"


@service_error("idempotency_key_reused", 409)
class IdempotencyKeyReused(ServiceError):
    """The Idempotency-Key was sent before with another request; use a new key for it."""


@dataclass(frozen=True)
class Keyed:
    """A create that may come again: who sent it, what it does, its key, what it asked."""

    caller: str | None  # None: an anonymous caller (a report without an account)
    operation: str
    key: str | None
    fingerprint: str

    @classmethod
    def of(
        cls, caller: str | None, operation: str, key: str | None, request: Mapping[str, Any]
    ) -> Keyed:
        """`request` is what makes the thing: leave out the key and anything a retry may
        send anew (a fresh proof of work)."""
        return cls(caller, operation, checked_key(key), fingerprint(request))


def checked_key(key: Any) -> str | None:
    if key is None:
        return None
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise InvalidInput(
            f"An idempotency key is text of 1 to {MAX_KEY_LENGTH} characters.",
            {FIELD: [f"Length must be between 1 and {MAX_KEY_LENGTH}."]},
        )
    return key


def fingerprint(request: Mapping[str, Any]) -> str:
    """The same for the same request however its keys are ordered; dates and ids as text."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def recall(session: Session, keyed: Keyed) -> str | None:
    """The id of what the key made before; refused when the key came with another request."""
    if keyed.key is None:
        return None
    row = session.execute(
        select(idempotency_keys.c.fingerprint, idempotency_keys.c.resource_id).where(
            idempotency_keys.c.caller == keyed.caller,
            idempotency_keys.c.operation == keyed.operation,
            idempotency_keys.c.key == keyed.key,
        )
    ).first()
    if row is None:
        return None
    if row.fingerprint not in (None, keyed.fingerprint):
        raise IdempotencyKeyReused(
            "This idempotency key was sent before with another request; use a new key.",
            {FIELD: keyed.key},
        )
    return row.resource_id


def remember(session: Session, keyed: Keyed, resource_id: str, now: datetime) -> None:
    """Remember what the key made; a second request racing the first fails on the key."""
    if keyed.key is None:
        return
    session.execute(
        insert(idempotency_keys).values(
            caller=keyed.caller,
            operation=keyed.operation,
            key=keyed.key,
            fingerprint=keyed.fingerprint,
            resource_id=resource_id,
            created_at=now,
        )
    )


def forget(session: Session, before: datetime) -> int:
    """Forget keys remembered before `before`; how many."""
    stale = delete(idempotency_keys).where(idempotency_keys.c.created_at < before)
    return cast(CursorResult, session.execute(stale)).rowcount


class Once(Generic[T]):
    """One create per caller, operation and key; `answer` tells what was made, by its id."""

    def __init__(
        self,
        transaction: Transactions,
        keyed: Keyed,
        answer: Callable[[Transaction, str], T],
    ) -> None:
        self.transaction = transaction
        self.keyed = keyed
        self.answer = answer

    def earlier(self) -> T | None:
        """The answer to the first request with this key; None when there was none."""
        if self.keyed.key is None:
            return None
        with self.transaction() as tx:
            made = recall(tx.session, self.keyed)
            return None if made is None else self.answer(tx, made)

    def make(self, create: Callable[[Transaction], str]) -> T:
        """Create (`create` answers the new thing's id) and remember the key, in one
        transaction; the answer is what `answer` says of it."""
        try:
            with self.transaction() as tx:
                made = create(tx)
                remember(tx.session, self.keyed, made, datetime.now(UTC))
                return self.answer(tx, made)
        except IntegrityError:
            # the same request raced itself and the other one committed first: its answer
            earlier = self.earlier()
            if earlier is None:
                raise
            return earlier
