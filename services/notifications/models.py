"""The notifications service's tables: the delivery log, inboxes, preferences, webhooks and
template versions.

A message is one text to one recipient on one channel for one triggering event; the
`dedupe_key` (event, recipient, channel) is unique, so a redelivered event or a second
instance cannot make a second one. Its `content` is purged after its retention; the row and
its attempts stay as the log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.tables import NAMING_CONVENTION, AutoId, UtcDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class MessageRow(Base):
    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    event_type: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(10))
    # the address (e-mail, phone), the account, or the webhook subscription
    recipient: Mapped[str] = mapped_column(String(320))
    template: Mapped[str | None] = mapped_column(String(100))
    template_version: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(2))
    essential: Mapped[bool] = mapped_column(Boolean, default=True)
    # an alert to admins about another message: its own failure alerts nobody
    is_alert: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20))
    # true once no further try will be made (delivered, or failed for good)
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # the attempt count when the current round of tries began (a re-send starts a new one)
    retry_from: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    claim: Mapped[str | None] = mapped_column(String(36))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # subject, text, html, attachments (e-mail); text (SMS); url, body (webhook)
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_messages_due", "final", "next_attempt_at"),)


class AttemptRow(Base):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), index=True)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(20))
    response: Mapped[str] = mapped_column(String(1000))

    __table_args__ = (Index("ix_attempts_channel_at", "channel", "at"),)


class InboxItemRow(Base):
    __tablename__ = "inbox_items"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # whose inbox: an account (a caller's subject), or the queue every clerk of a role or of
    # a department shares; the kind keeps a subject from ever naming a shared queue
    owner_kind: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str] = mapped_column(String(220))
    event_id: Mapped[str] = mapped_column(String(36))
    event_type: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_inbox_items_owner", "owner_kind", "owner", "created_at"),
        # one item per owner and event: a redelivered event adds nothing
        Index("uq_inbox_items_owner_event", "owner_kind", "owner", "event_id", unique=True),
    )


class InboxReadRow(Base):
    __tablename__ = "inbox_reads"

    item_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reader: Mapped[str] = mapped_column(String(200), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PreferenceRow(Base):
    __tablename__ = "preferences"

    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    language: Mapped[str] = mapped_column(String(2))
    email_on: Mapped[bool] = mapped_column(Boolean)
    sms_on: Mapped[bool] = mapped_column(Boolean)
    inbox_on: Mapped[bool] = mapped_column(Boolean)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(20))
    non_essential: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_types: Mapped[list[str]] = mapped_column(JSON)
    filters: Mapped[dict[str, str]] = mapped_column(JSON)
    callback_url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str | None] = mapped_column(String(200))
    removed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class TemplateVersionRow(Base):
    """A version an admin wrote; version 1 of each template ships with the service."""

    __tablename__ = "template_versions"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    sms: Mapped[str | None] = mapped_column(String(480))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str | None] = mapped_column(String(200))


class GenerationRow(Base):
    """How often a kind of setting that taking an event reads (templates, subscriptions,
    preferences) has changed: bumped in the transaction of each change, so every instance
    knows when what it keeps of that kind is stale (services/notifications/lookups.py)."""

    __tablename__ = "generations"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer)
