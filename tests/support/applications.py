"""Applications test data: a residents' parking permit with its form and attachments, and an
upload through a signed-in portal."""

from __future__ import annotations

from datetime import date, timedelta

from tests.support.documents import pdf


def upload(portal_of, subject: str, seed: bytes, document_type: str = "attachment") -> str:
    answer = portal_of(subject).upload(pdf(2000, seed), document_type=document_type)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["document_id"]


def parking_form(**changes) -> dict:
    return {
        "plate": "SO-AB 123",
        "vehicle_owner": "self",
        "address": {
            "street": "Am Vreithof",
            "house_number": "8",
            "postcode": "59494",
            "city": "Soest",
        },
        "zone": "B",
        "valid_from": (date.today() + timedelta(days=7)).isoformat(),
        **changes,
    }


def parking_application(registration: str, residence: str, **changes) -> dict:
    return {
        "application_type": "bewohnerparkausweis",
        "form": parking_form(),
        "attachments": [
            {"document_id": registration, "purpose": "vehicle_registration"},
            {"document_id": residence, "purpose": "proof_of_residence"},
        ],
        "contact": {"name": "Anna Schmidt", "email": "anna@example.org"},
        **changes,
    }
