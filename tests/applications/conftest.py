"""The applications service with the documents service (and the gateway for uploads) on the
real broker and database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.applications.service import ApplicationsService
from services.common.migrations import upgrade
from services.common.settings import database_url
from tests.documents.conftest import (  # noqa: F401
    document_settings,
    pdf,
    platform,
    portal_of,
    store_path,
)
from tests.gateway.conftest import login, start_gateway  # noqa: F401
from tests.support.events import EventTap


@pytest.fixture
def applications(platform, container_factory, web_config_port):  # noqa: F811
    upgrade("applications", database_url("applications"))
    # the form schemas are named where the test's gateway serves them
    api_url = f"http://127.0.0.1:{web_config_port}"
    container = container_factory(ApplicationsService, {"APPLICATIONS": {"api_url": api_url}})
    container.start()
    return container


@pytest.fixture
def case_events(platform_config):
    tap = EventTap("applications")
    yield tap
    tap.close()


def upload(portal_of, subject: str, seed: bytes, document_type: str = "attachment") -> str:  # noqa: F811
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
