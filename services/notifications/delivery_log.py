"""The delivery log: claiming due messages, recording each try, re-sending, reading it back.

A message is claimed for a lease (status `sending`); a sender that dies mid-send leaves
the lease to expire, and the next claim takes the message up again, marked as in doubt.
Claims skip rows other instances hold (PostgreSQL) or happen one at a time (SQLite), so
three instances never send one message side by side. The tries of a batch are recorded
together (`record_many`: one UPDATE for all that were delivered, one INSERT of their
attempts), at the latest when the batch ends: a crash loses the tries of the batch in
flight, whose messages are taken up again, in doubt, once their lease runs out (an
e-mail keeps its Message-ID, a webhook its delivery id, so receivers can drop the repeat).
"""

from __future__ import annotations

import uuid
import zlib
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from services.common.database import Transaction
from services.common.keyset import Keyset
from services.notifications import intake as messages
from services.notifications import template_store
from services.notifications.catalogue import ALERT_TEMPLATE
from services.notifications.errors import BodyPurged, MessageNotFound, NotResendable
from services.notifications.events import NOTIFICATION_FAILED, NOTIFICATION_SENT
from services.notifications.models import AttemptRow, MessageRow
from services.notifications.outcomes import (
    CREATED,
    DELIVERED,
    SENDING,
    TECHNICAL,
    TEMPORARY,
    Outcome,
    Outgoing,
)
from services.notifications.rendering import render
from services.notifications.settings import NotificationSettings

# the log, newest first; a page goes on from the `next_cursor` of the one before (`before`)
NEWEST_FIRST = Keyset((MessageRow.created_at, MessageRow.id))
_RATE_LOCK = zlib.crc32(b"notifications.rate_limits")
_ALERTS = uuid.UUID("6f1f4a52-3c1e-4f7e-9a55-0d6c2b1e7a10")
# an alert is about a message that failed: its event type in the log, `source.type`
_FAILED_KEY = f"{NOTIFICATION_FAILED.source}.{NOTIFICATION_FAILED.type}"


def claim(
    session: Session, settings: NotificationSettings, now: datetime, token: str
) -> list[Outgoing]:
    postgres = session.get_bind().dialect.name == "postgresql"
    limited = [channel for channel in ("email", "sms", "webhook") if settings.rate_of(channel)]
    if limited and postgres:
        # instances count the same window: one at a time, so a provider limit holds
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _RATE_LOCK})
    due = (
        select(MessageRow.id, MessageRow.channel, MessageRow.status)
        .where(
            MessageRow.final.is_(False),
            MessageRow.next_attempt_at <= now,
            or_(MessageRow.lease_until.is_(None), MessageRow.lease_until < now),
        )
        .order_by(MessageRow.next_attempt_at)
        .limit(settings.batch_size)
    )
    if postgres:
        due = due.with_for_update(skip_locked=True)
    budget = {channel: _budget(session, settings, channel, now) for channel in limited}
    chosen, in_doubt = [], set()
    for message_id, channel, status in session.execute(due):
        if channel in budget:
            if budget[channel] <= 0:
                continue  # held back, not dropped: it is due again at the next claim
            budget[channel] -= 1
        chosen.append(message_id)
        if status == SENDING:
            in_doubt.add(message_id)
    if not chosen:
        return []
    session.execute(
        update(MessageRow)
        .where(MessageRow.id.in_(chosen))
        .values(
            status=SENDING,
            claim=token,
            lease_until=now + timedelta(seconds=settings.lease_seconds),
            updated_at=now,
        )
    )
    rows = session.scalars(select(MessageRow).where(MessageRow.id.in_(chosen))).all()
    return [_outgoing(row, row.id in in_doubt) for row in rows]


def renew(session: Session, token: str, ids: set[str], until: datetime) -> set[str]:
    """Extend the lease on what this sender still holds; the ids it still holds."""
    held = (MessageRow.claim == token) & MessageRow.id.in_(ids)
    session.execute(update(MessageRow).where(held).values(lease_until=until))
    return set(session.scalars(select(MessageRow.id).where(held)))


def _budget(session: Session, settings: NotificationSettings, channel: str, now: datetime) -> int:
    since = now - timedelta(seconds=settings.rate_window_seconds)
    tried = session.execute(
        select(func.count()).where(AttemptRow.channel == channel, AttemptRow.at >= since)
    ).scalar_one()
    in_flight = session.execute(
        select(func.count()).where(
            MessageRow.channel == channel,
            MessageRow.status == SENDING,
            MessageRow.lease_until >= now,
        )
    ).scalar_one()
    return settings.rate_of(channel) - tried - in_flight


def _outgoing(row: MessageRow, in_doubt: bool) -> Outgoing:
    return Outgoing(
        id=row.id,
        channel=row.channel,
        recipient=row.recipient,
        content=row.content or {},
        event_id=row.event_id,
        event_type=row.event_type,
        template=row.template,
        attempts=row.attempts,
        retry_from=row.retry_from,
        is_alert=row.is_alert,
        in_doubt=in_doubt,
    )


_MESSAGES = cast(Table, MessageRow.__table__)
_ATTEMPTS = cast(Table, AttemptRow.__table__)
_RECORD_ATTEMPTS = insert(_ATTEMPTS)  # built once: executed with a row per try


def record_many(
    tx: Transaction,
    tried: list[tuple[Outgoing, Outcome]],
    token: str,
    intake: messages.Intake,
    now: datetime,
) -> int:
    """Log a batch's tries; how many new messages (alerts) wait to be sent.

    The delivered ones, the common case, take one UPDATE (of the rows this claim still
    holds: RETURNING says which) and one INSERT of their attempts; each other try is
    recorded as `record` does, for its retry, its final failure and its alert."""
    delivered = {message.id: message for message, outcome in tried if outcome.delivered}
    waiting = 0
    if delivered:
        held = tx.session.execute(
            update(_MESSAGES)
            .where(_MESSAGES.c.id.in_(list(delivered)), _MESSAGES.c.claim == token)
            .values(
                status=DELIVERED,
                attempts=_MESSAGES.c.attempts + 1,
                final=True,
                claim=None,
                lease_until=None,
                updated_at=now,
                delivered_at=now,
            )
            .returning(_MESSAGES.c.id)
        ).scalars()
        # the others' lease ran out and another sender took them over: its tries count
        sent = [delivered[message_id] for message_id in held]
        outcomes = {message.id: outcome for message, outcome in tried}
        if sent:
            tx.session.execute(
                _RECORD_ATTEMPTS,
                [_attempt_row(message, outcomes[message.id], now) for message in sent],
            )
        tx.publish_many(
            NOTIFICATION_SENT,
            (messages.message_facts(vars(m), attempts=m.attempts + 1) for m in sent),
        )
    for message, outcome in tried:
        if not outcome.delivered:
            waiting += record(tx, message, outcome, token, intake, now)
    return waiting


def _attempt_row(message: Outgoing, outcome: Outcome, now: datetime) -> dict[str, Any]:
    return {
        "message_id": message.id,
        "number": message.attempts + 1,
        "at": now,
        "channel": message.channel,
        "outcome": outcome.status,
        "response": _response(message, outcome),
    }


def _response(message: Outgoing, outcome: Outcome) -> str:
    response = outcome.response
    if message.in_doubt:
        response = "in doubt (the sender stopped mid-send), sent again: " + response
    return response[:1000]


def record(
    tx: Transaction,
    message: Outgoing,
    outcome: Outcome,
    token: str,
    intake: messages.Intake,
    now: datetime,
) -> int:
    """Log one try and what follows from it; how many new messages (alerts) wait to be sent."""
    settings = intake.settings
    attempts = message.attempts + 1
    tries_left = settings.max_attempts - (attempts - message.retry_from)
    # our own failure may pass, so it is tried again like a temporary one (but an alert's
    # is not: it would only alert about itself)
    retried = outcome.status == TEMPORARY or (outcome.status == TECHNICAL and not message.is_alert)
    final = outcome.delivered or not retried or tries_left <= 0
    values: dict[str, Any] = {
        "status": outcome.status,
        "attempts": attempts,
        "final": final,
        "claim": None,
        "lease_until": None,
        "updated_at": now,
    }
    if outcome.delivered:
        values["delivered_at"] = now
    elif not final:
        values["next_attempt_at"] = now + timedelta(seconds=settings.retry_delay(attempts))
    changed = tx.session.execute(
        update(MessageRow)
        .where(MessageRow.id == message.id, MessageRow.claim == token)
        .values(**values)
    )
    if cast(CursorResult, changed).rowcount != 1:
        return 0  # the lease ran out and another sender took it over: its try counts
    response = _response(message, outcome)
    tx.session.add(
        AttemptRow(
            message_id=message.id,
            number=attempts,
            at=now,
            channel=message.channel,
            outcome=outcome.status,
            response=response,
        )
    )
    facts = messages.message_facts(vars(message), attempts=attempts)
    if outcome.delivered:
        tx.publish(NOTIFICATION_SENT, facts)
        return 0
    if not final:
        return 0
    tx.publish(NOTIFICATION_FAILED, {**facts, "status": outcome.status, "reason": response})
    if message.is_alert:
        return 0  # an alert about an alert would alert the same admins again
    return _alert(tx, message, outcome, attempts, intake, now)


def _alert(tx, message: Outgoing, outcome: Outcome, attempts: int, intake, now) -> int:
    language = intake.settings.default_language
    template = template_store.current(tx.session, intake.catalogue, ALERT_TEMPLATE, language)
    values = {
        "office": intake.office,
        "message_id": message.id,
        "event_type": message.event_type,
        "channel": message.channel,
        "status": outcome.status,
        "reason": outcome.response,
        "attempts": attempts,
    }
    rendered = render(template, values, office=intake.office)
    # one alert per final failure: a re-sent message that fails again alerts again
    alert_id = uuid.uuid5(_ALERTS, f"{message.id}:{attempts}")
    return messages.alert_admins(
        tx, alert_id, _FAILED_KEY, rendered, template.name, intake, now,
        is_alert=True,
    )  # fmt: skip


def resend(session: Session, message_id: str, now: datetime) -> MessageRow:
    row = find(session, message_id)
    if not row.final or row.status == DELIVERED:
        raise NotResendable(
            "Only a message that failed for good can be re-sent.", {"status": row.status}
        )
    if row.content is None:
        raise BodyPurged(
            "The message's text was purged after its retention.", {"message_id": row.id}
        )
    row.status = CREATED
    row.final = False
    row.retry_from = row.attempts
    row.next_attempt_at = now
    row.updated_at = now
    return row


def find(session: Session, message_id: str) -> MessageRow:
    row = session.get(MessageRow, str(message_id))
    if row is None:
        raise MessageNotFound("There is no such message.", {"message_id": message_id})
    return row


def page(session: Session, query: dict[str, Any]) -> dict[str, Any]:
    statement = select(MessageRow)
    if query["status"]:
        statement = statement.where(MessageRow.status == query["status"])
    if query["channel"]:
        statement = statement.where(MessageRow.channel == query["channel"])
    if query["event_id"]:
        statement = statement.where(MessageRow.event_id == str(query["event_id"]))
    rows, cursor = NEWEST_FIRST.page(session, statement, query["before"], query["limit"])
    return {"deliveries": [summary(row) for row in rows], "next_cursor": cursor}


def summary(row: MessageRow) -> dict[str, Any]:
    return {
        "message_id": row.id,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "channel": row.channel,
        "template": row.template,
        "template_version": row.template_version,
        "language": row.language,
        "recipient": mask(row.channel, row.recipient),
        "status": row.status,
        "attempts": row.attempts,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "next_attempt_at": None if row.final else row.next_attempt_at.isoformat(),
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
        "purged": row.purged_at is not None,
    }


def detail(session: Session, row: MessageRow) -> dict[str, Any]:
    attempts = session.scalars(
        select(AttemptRow).where(AttemptRow.message_id == row.id).order_by(AttemptRow.number)
    ).all()
    content = row.content or {}
    return {
        **summary(row),
        "subject": content.get("subject"),
        "text": content.get("text"),
        "attempt_log": [
            {
                "number": attempt.number,
                "at": attempt.at.isoformat(),
                "channel": attempt.channel,
                "outcome": attempt.outcome,
                "response": attempt.response,
            }
            for attempt in attempts
        ],
    }


def mask(channel: str, recipient: str) -> str:
    """Enough of an address to tell messages apart in the log, not to harvest it."""
    if channel == "email":
        local, _, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    if channel == "sms":
        return recipient[:3] + "***" + recipient[-2:]
    return recipient


def purge(session: Session, settings: NotificationSettings, now: datetime) -> int:
    cutoff = now - timedelta(days=settings.body_retention_days)
    purged = session.execute(
        update(MessageRow)
        .where(
            MessageRow.final.is_(True),
            MessageRow.updated_at < cutoff,
            MessageRow.purged_at.is_(None),
        )
        .values(content=None, purged_at=now)
    )
    return cast(CursorResult, purged).rowcount
