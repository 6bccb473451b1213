"""The documents service's tables.

Sizes are 64-bit from the start (a plan of several GiB must fit). A document's versions
point at blobs by the SHA-256 of their plaintext; a blob is stored once however many
versions share it, and its wrapped key lives and dies with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.audit import trail_table
from services.common.tables import NAMING_CONVENTION, AutoId, UtcDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_type: Mapped[str] = mapped_column(String(50))
    # null once erased: the tombstone keeps no content and no title
    title: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(8))
    confidentiality: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str | None] = mapped_column(String(200), index=True)
    author: Mapped[str | None] = mapped_column(String(200))
    case_id: Mapped[str | None] = mapped_column(String(100), index=True)
    case_role: Mapped[str | None] = mapped_column(String(50))
    # the department whose clerks work the case: with case_role, who in the office reads it
    case_department: Mapped[str | None] = mapped_column(String(50))
    appointment_id: Mapped[str | None] = mapped_column(String(36))
    feedback_id: Mapped[str | None] = mapped_column(String(36))
    current_version: Mapped[int] = mapped_column(Integer)
    legal_hold: Mapped[bool] = mapped_column(default=False)
    retain_until: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    modified_at: Mapped[datetime] = mapped_column(UtcDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class VersionRow(Base):
    __tablename__ = "document_versions"

    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str | None] = mapped_column(String(255))
    author: Mapped[str | None] = mapped_column(String(200))
    scanner: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BlobRow(Base):
    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    # the plaintext size of each stored part, in order
    part_sizes: Mapped[list[int]] = mapped_column(JSON)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class UploadRow(Base):
    __tablename__ = "uploads"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))  # open, completed, refused, aborted
    owner: Mapped[str | None] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(200))
    author_role: Mapped[str] = mapped_column(String(50))
    # set when the upload adds a version to an existing document
    document_id: Mapped[str | None] = mapped_column(String(36))
    # what the document will be: type, title, language, confidentiality, links
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    filename: Mapped[str | None] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    part_size: Mapped[int] = mapped_column(BigInteger)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    result_document_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # when an open session is abandoned unless a part comes (uploads.keep_alive)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class UploadPartRow(Base):
    __tablename__ = "upload_parts"

    upload_id: Mapped[str] = mapped_column(
        ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    # what the content was found to be, when this part is the whole content
    media_type: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class QuarantineRow(Base):
    """An upload the scanner refused: kept sealed for an admin to look into, never served."""

    __tablename__ = "quarantine"

    upload_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(200))
    document_type: Mapped[str] = mapped_column(String(50))
    signature: Mapped[str] = mapped_column(String(300))
    scanner: Mapped[str] = mapped_column(String(20))
    part_sizes: Mapped[list[int]] = mapped_column(JSON)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    quarantined_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class AuditRow(Base):
    """Who did what to which document, when and why. Rows are only ever added."""

    __tablename__ = "audit_trail"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str | None] = mapped_column(String(200), index=True)
    actor_role: Mapped[str | None] = mapped_column(String(50))
    action: Mapped[str] = mapped_column(String(30))
    document_id: Mapped[str | None] = mapped_column(String(64), index=True)
    version: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


# administrators' changes (services/common/audit.py); `audit_trail` above is the documents'
# own record of every read and change, of another shape
admin_trail = trail_table("admin_trail", Base.metadata)
