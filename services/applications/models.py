"""The applications service's tables: drafts, cases, their attachments, history and notes.

A case's history is append-only; internal notes live apart and never reach the citizen.
The worklist's filters and sorts each have an index, so a page stays fast at 100,000 cases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.tables import NAMING_CONVENTION, AutoId, UtcDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DraftRow(Base):
    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    citizen: Mapped[str] = mapped_column(String(200), index=True)
    application_type: Mapped[str] = mapped_column(String(50))
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    contact: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseRow(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    application_type: Mapped[str] = mapped_column(String(50))
    citizen: Mapped[str] = mapped_column(String(200))
    contact: Mapped[dict[str, Any]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(2))
    form: Mapped[dict[str, Any]] = mapped_column(JSON)
    # FIT-Connect-shaped: service key, region, schema URI and hash, attachments' hashes
    submission: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(30))
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    assignee: Mapped[str | None] = mapped_column(String(200))
    open_request: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    # the worklist's keyset indexes: each filter (none, status, assignee, open for overdue)
    # with each sort (submitted_at, due_at; either way) and the id that breaks ties, once for
    # an administrator's list of every type and once under the type a clerk's department
    # works, so that a page reads its 26 rows from the index in order and sorts nothing
    __table_args__ = (
        Index("ix_cases_citizen", "citizen", "submitted_at"),
        Index("ix_cases_submitted", "submitted_at", "id"),
        Index("ix_cases_due", "due_at", "id"),
        Index("ix_cases_status_submitted", "status", "submitted_at", "id"),
        Index("ix_cases_status_due", "status", "due_at", "id"),
        Index("ix_cases_assignee_submitted", "assignee", "submitted_at", "id"),
        Index("ix_cases_assignee_due", "assignee", "due_at", "id"),
        Index("ix_cases_open_submitted", "closed", "submitted_at", "id"),
        Index("ix_cases_open_due", "closed", "due_at", "id"),
        Index("ix_cases_type_submitted", "application_type", "submitted_at", "id"),
        Index("ix_cases_type_due", "application_type", "due_at", "id"),
        Index("ix_cases_type_status_submitted", "application_type", "status", "submitted_at", "id"),
        Index("ix_cases_type_status_due", "application_type", "status", "due_at", "id"),
        Index(
            "ix_cases_type_assignee_submitted", "application_type", "assignee", "submitted_at", "id"
        ),
        Index("ix_cases_type_assignee_due", "application_type", "assignee", "due_at", "id"),
        Index("ix_cases_type_open_submitted", "application_type", "closed", "submitted_at", "id"),
        Index("ix_cases_type_open_due", "application_type", "closed", "due_at", "id"),
    )


class CaseAttachmentRow(Base):
    __tablename__ = "case_attachments"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HistoryRow(Base):
    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str | None] = mapped_column(String(200))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    # what the citizen may read (a request, an answer, a reason); internal notes live apart
    text: Mapped[str | None] = mapped_column(Text)
    documents: Mapped[list[str]] = mapped_column(JSON)


class NoteRow(Base):
    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)


class CounterRow(Base):
    """The last case number given per year and type code."""

    __tablename__ = "case_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
