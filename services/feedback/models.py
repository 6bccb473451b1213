"""The feedback service's tables: reports and ideas (items), what citizens add to them, the
moderation log, bans, and ratings with their invitations.

An item's public position (blurred) is stored beside the exact one, so the public map
never reads the exact one and its bounding-box query has an index of its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, MetaData, SmallInteger, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.challenges import SpentChallengeColumns
from services.common.tables import NAMING_CONVENTION, AutoId, UtcDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ItemRow(Base):
    """A report (a problem at a place) or an idea (a proposal)."""

    __tablename__ = "items"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(50))
    department: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    public_latitude: Mapped[float | None] = mapped_column(Float)
    public_longitude: Mapped[float | None] = mapped_column(Float)
    photos: Mapped[list[str]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(200))
    # the name the public sees, unless anonymous; the account and address never show
    author_name: Mapped[str | None] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    flags: Mapped[int] = mapped_column(Integer, default=0)
    supports: Mapped[int] = mapped_column(Integer, default=0)
    me_too: Mapped[int] = mapped_column(Integer, default=0)
    duplicate_of: Mapped[str | None] = mapped_column(String(36))
    official_answer: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # the first official answer: what "time to answer" measures
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        # the public map: visible reports in a box, for a box with few of them
        Index("ix_items_map", "kind", "hidden", "public_latitude", "public_longitude"),
        # ... and the newest first, for a box with many: the position comes last so that
        # the box is checked in the index, and reports outside it cost no table read
        Index(
            "ix_items_recent",
            "kind",
            "hidden",
            "submitted_at",
            "id",
            "public_latitude",
            "public_longitude",
        ),
        Index("ix_items_author", "author", "submitted_at"),
        Index("ix_items_department", "department", "submitted_at", "id"),
        Index("ix_items_submitted", "submitted_at", "id"),
        Index("ix_items_duplicate_of", "duplicate_of"),
    )


class HistoryRow(Base):
    """Every status an item went through, with the official answer that came with it."""

    __tablename__ = "item_history"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(20))
    previous_status: Mapped[str | None] = mapped_column(String(20))
    # the official answer (office) or the author's reason to reopen
    text: Mapped[str | None] = mapped_column(Text)
    # office, author or system; never who in the office, to the public
    by: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class CommentRow(Base):
    __tablename__ = "comments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(36))
    author: Mapped[str] = mapped_column(String(200))
    from_office: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[str] = mapped_column(Text)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    flags: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_comments_item", "item_id", "created_at", "id"),
        Index("ix_comments_author", "author", "created_at"),
    )


class SupportRow(Base):
    """One citizen's support of one idea."""

    __tablename__ = "supports"

    item_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen: Mapped[str] = mapped_column(String(200), primary_key=True)
    supported_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_supports_citizen", "citizen", "supported_at"),)


class MeTooRow(Base):
    """One citizen saying a report concerns them too (instead of reporting it again)."""

    __tablename__ = "me_too"

    item_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class FollowRow(Base):
    """Who hears of an item's status and answers; the author follows from the start."""

    __tablename__ = "follows"

    item_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen: Mapped[str] = mapped_column(String(200), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(2))
    followed_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_follows_citizen", "citizen"),)


class FlagRow(Base):
    """One citizen's flag on an item or a comment (their ids are UUIDs: never the same)."""

    __tablename__ = "flags"

    target_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    flagger: Mapped[str] = mapped_column(String(200), primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class ModerationRow(Base):
    """What moderators (and flags) did; an edit keeps the text it replaced."""

    __tablename__ = "moderation_log"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(10))
    target_id: Mapped[str] = mapped_column(String(36), index=True)
    item_id: Mapped[str] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(20))
    moderator: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class BanRow(Base):
    __tablename__ = "bans"

    account: Mapped[str] = mapped_column(String(200), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    banned_by: Mapped[str] = mapped_column(String(200))
    banned_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InvitationRow(Base):
    """An invitation to rate a visit or a case; its link holds a token, stored hashed."""

    __tablename__ = "rating_invitations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[str] = mapped_column(String(36))
    citizen: Mapped[str | None] = mapped_column(String(200), index=True)
    service: Mapped[str] = mapped_column(String(50))
    service_name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(50))
    language: Mapped[str] = mapped_column(String(2))
    invited_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("uq_rating_invitations_subject", "subject_kind", "subject_id", unique=True),
    )


class RatingRow(Base):
    """One rating per visit or case: the unique subject makes a second one impossible."""

    __tablename__ = "ratings"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[str] = mapped_column(String(36))
    service: Mapped[str] = mapped_column(String(50))
    location: Mapped[str | None] = mapped_column(String(50))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("uq_ratings_subject", "subject_kind", "subject_id", unique=True),
        Index("ix_ratings_rated", "rated_at"),
    )


class SpentChallenge(SpentChallengeColumns, Base):
    """Proof-of-work solutions already used: each buys one report or idea."""
