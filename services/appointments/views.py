"""An appointment as the outside sees it: the RPC answer, the event payloads, the .ics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from services.appointments import calendar_file
from services.appointments.models import AppointmentRow, LocationRow, OfferRow
from services.appointments.opening import to_local


@dataclass(frozen=True)
class Booked:
    """An appointment with the service and location it is for."""

    row: AppointmentRow
    offer: OfferRow
    location: LocationRow

    @classmethod
    def load(cls, session: Session, row: AppointmentRow) -> Booked:
        return cls(
            row,
            session.get_one(OfferRow, row.offer_id),
            session.get_one(LocationRow, row.location_id),
        )


def iso(minute: int) -> str:
    return to_local(minute).isoformat()


def _iso_or_none(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant is not None else None


def view(booked: Booked, *, with_calendar: bool = False) -> dict[str, Any]:
    row = booked.row
    return {
        "appointment_id": row.id,
        "status": row.status,
        "service": booked.offer.key,
        "service_name": booked.offer.name,
        "location": booked.location.key,
        "location_name": booked.location.name,
        "location_address": booked.location.address,
        "start": iso(row.start_minute),
        "end": iso(row.end_minute),
        "name": row.name,
        "email": row.email,
        "language": row.language,
        "documents": list(booked.offer.documents),
        "hold_expires_at": _iso_or_none(row.hold_expires_at if row.status == "held" else None),
        "checked_in_at": _iso_or_none(row.checked_in_at),
        "called_at": _iso_or_none(row.called_at),
        "ticket": row.ticket,
        "called_desk": row.called_desk,
        "walk_in": row.walk_in,
        "ics": calendar(booked, cancelled=row.status == "cancelled") if with_calendar else None,
    }


def facts(booked: Booked) -> dict[str, Any]:
    row = booked.row
    return {
        "appointment_id": row.id,
        "service": booked.offer.key,
        "location": booked.location.key,
        "start": iso(row.start_minute),
        "end": iso(row.end_minute),
        "citizen": row.citizen,
    }


def to_citizen(booked: Booked) -> dict[str, Any]:
    return {
        **facts(booked),
        "email": booked.row.email,
        "name": booked.row.name,
        "language": booked.row.language,
        "service_name": booked.offer.name,
        "location_name": booked.location.name,
        "location_address": booked.location.address,
    }


def with_calendar(booked: Booked, manage_url: str | None) -> dict[str, Any]:
    return {
        **to_citizen(booked),
        "documents": list(booked.offer.documents),
        "manage_url": manage_url,
        "ics": calendar(booked),
    }


def calendar(booked: Booked, *, cancelled: bool = False) -> str:
    row = booked.row
    documents = ", ".join(booked.offer.documents)
    return calendar_file.render(
        calendar_file.CalendarEntry(
            appointment_id=row.id,
            start_minute=row.start_minute,
            end_minute=row.end_minute,
            summary=f"{booked.offer.name} - {booked.location.name}",
            location=booked.location.address,
            description=f"Bitte mitbringen / please bring: {documents}" if documents else "",
            sequence=row.sequence,
            stamp=row.created_at,
        ),
        cancelled=cancelled,
    )


def link(portal_url: str, page: str, token: str) -> str:
    return f"{portal_url.rstrip('/')}/appointments/{page}?{urlencode({'token': token})}"
