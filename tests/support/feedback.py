"""Feedback test data: places in and outside the town, departments, reports, ideas, a photo
upload and a completed visit that invites a rating."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

from tests.support.publishing import publish

# a place in the old town of Soest, and one in Dortmund (outside)
MARKET = (51.5711, 8.1060)
DORTMUND = (51.5136, 7.4653)
# a clerk of these works every item of town.yaml; the roads clerks the streetlights and potholes
EVERY_DEPARTMENT = ("roads", "environment", "parks", "urban_planning")
ROADS = ("roads",)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def photo(portal_of, subject: str, seed: bytes = b"") -> str:
    """A JPEG uploaded by `subject` as a report photo; its document id."""
    content = JPEG + seed + bytes(2000) + b"\xff\xd9"
    answer = portal_of(subject).upload(
        content, document_type="report_photo", media_type="image/jpeg", title="Foto"
    )
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["document_id"]


def report(category: str = "streetlight", place=MARKET, **changes) -> dict:
    answers = {"streetlight": {"fault": "dark"}, "pothole": {"surface": "road"}}
    return {
        "category": category,
        "title": "Laterne aus",
        "description": "Die Laterne vor Hausnummer 8 ist seit drei Tagen dunkel.",
        "latitude": place[0],
        "longitude": place[1],
        "answers": answers.get(category, {}),
        **changes,
    }


def idea(category: str = "mobility", **changes) -> dict:
    return {
        "category": category,
        "title": "Fahrradstraße am Wall",
        "description": "Der Wall als Fahrradstraße: sicherer für alle.",
        **changes,
    }


def completed_visit(
    citizen: str | None = None,
    service: str = "id-card",
    location: str = "town-hall",
    email: str = "erika@example.org",
) -> dict:
    """An `appointments.appointment_completed` payload, for a visit booked with or without
    an account."""
    return {
        "appointment_id": str(uuid.uuid4()),
        "service": service,
        "location": location,
        "start": "2026-03-02T09:00:00+01:00",
        "end": "2026-03-02T09:15:00+01:00",
        "citizen": citizen,
        "email": email,
        "name": "Erika Mustermann",
        "language": "de",
        "service_name": "Personalausweis beantragen",
        "location_name": "Rathaus",
        "location_address": "Am Vreithof 8, 59494 Soest",
    }


def visit_completed(**visit) -> str:
    """Publish a completed visit as the appointments service would; the appointment's id."""
    payload = completed_visit(**visit)
    publish("appointments", "appointment_completed", payload)
    return payload["appointment_id"]


def rating_token(feedback_events, subject_id: str) -> str:
    """The token in the link of the invitation to rate `subject_id`."""
    invited = feedback_events.wait_for_one("rating_invited", subject_id=subject_id)
    return parse_qs(urlsplit(invited["payload"]["rate_url"]).query)["token"][0]
