"""A submission checked and recorded: the form against its schema, the attachments against
the type and the citizen's own documents, a case number, the FIT-Connect-shaped metadata."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.applications.catalogue import ApplicationType
from services.applications.errors import (
    AttachmentNotAllowed,
    AttachmentsMissing,
    DocumentNotYours,
    InvalidForm,
)
from services.applications.models import CounterRow
from services.common.documents import Lookup, owned_document


def checked_form(kind: ApplicationType, form: dict[str, Any]) -> dict[str, Any]:
    schema = kind.form()
    try:
        loaded = schema.load(form)
    except ValidationError as error:
        raise InvalidForm(
            "Some fields of the form are not acceptable.", error.normalized_messages()
        ) from None
    # as JSON: dates as ISO text, the way it is stored and hashed
    return json.loads(schema.dumps(loaded))


def checked_attachments(
    kind: ApplicationType, attachments: list[dict[str, Any]], lookup: Lookup, *, complete: bool
) -> list[dict[str, Any]]:
    """Each attachment's facts from the documents service; refuses strangers' documents."""
    unknown = sorted({a["purpose"] for a in attachments} - set(kind.attachments))
    if unknown:
        raise AttachmentNotAllowed(
            "This application type takes no attachments for these purposes.",
            {"unknown": unknown, "purposes": sorted(kind.attachments)},
        )
    if complete:
        given = {a["purpose"] for a in attachments}
        missing = [p for p, spec in kind.attachments.items() if spec.required and p not in given]
        if missing:
            raise AttachmentsMissing(
                "Required attachments are missing.",
                {"missing": [{"purpose": p, "name": kind.attachments[p].names} for p in missing]},
            )
    facts = []
    for attachment in attachments:
        document_id = str(attachment["document_id"])
        document = owned_document(
            lookup, document_id, DocumentNotYours, "A document named is not one of yours."
        )
        spec = kind.attachments[attachment["purpose"]]
        if document["document_type"] not in spec.document_types:
            raise AttachmentNotAllowed(
                f"A {attachment['purpose']} must be one of {list(spec.document_types)}.",
                {"document_id": document_id, "document_type": document["document_type"]},
            )
        current = next(v for v in document["versions"] if v["current"])
        facts.append(
            {
                "document_id": document_id,
                "purpose": attachment["purpose"],
                "title": document["title"] or spec.names["de"],
                "sha256": current["sha256"],
                "media_type": current["media_type"],
            }
        )
    return facts


def next_number(session: Session, kind: ApplicationType, now: datetime) -> str:
    """2026-BPA-000123: per year and type, without gaps between committed cases."""
    statement = select(CounterRow).where(CounterRow.year == now.year, CounterRow.code == kind.code)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    counter = session.scalars(statement).first()
    if counter is None:
        counter = CounterRow(year=now.year, code=kind.code, last=0)
        session.add(counter)
    counter.last += 1
    session.flush()
    return f"{now.year}-{kind.code}-{counter.last:06d}"


def metadata(kind: ApplicationType, form: dict[str, Any], attachments: list[dict]) -> dict:
    """Shaped like a FIT-Connect submission's metadata: what was asked, and proof of it."""
    canonical = json.dumps(form, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {
        "publicServiceType": {"identifier": kind.service_key, "name": kind.names["de"]},
        "region": kind.region,
        "contentStructure": {
            "data": {
                "submissionSchema": {"schemaUri": kind.schema_uri, "mimeType": "application/json"},
                "hash": {
                    "type": "sha256",
                    "content": hashlib.sha256(canonical.encode()).hexdigest(),
                },
            },
            "attachments": [
                {
                    "attachmentId": a["document_id"],
                    "hash": {"type": "sha256", "content": a["sha256"]},
                    "mimeType": a["media_type"],
                    "purpose": a["purpose"],
                }
                for a in attachments
            ],
        },
    }


def due_at(kind: ApplicationType, submitted_at: datetime) -> datetime:
    """The target date: processing days as working days (Monday to Friday)."""
    day, left = submitted_at, kind.processing_days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day
