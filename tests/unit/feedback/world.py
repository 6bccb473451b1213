"""The feedback service's use cases on a fake unit of work: the built-in town, a pinned
clock, a documents service that knows a few photos, and callers by name."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from services.common.context import Caller
from services.common.errors import ServiceError
from services.common.loading import load
from services.feedback import catalogue
from services.feedback.models import Base
from services.feedback.schemas import IdeaInput, ReportInput, StatusChange
from services.feedback.settings import FeedbackSettings
from services.feedback.use_cases import office, submissions
from services.feedback.use_cases.setting import Setting
from tests.support.clock import Clock

TOWN = catalogue.load()
MARKET = (51.5711, 8.1060)  # the market square, inside the town
DORTMUND = (51.5136, 7.4653)
MONDAY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)

ANNA = Caller(subject="anna", role="citizen")
BEN = Caller(subject="ben", role="citizen")
CARLA = Caller(subject="carla", role="citizen")
ROLF = Caller(subject="rolf", role="clerk", departments=("roads",))
PIA = Caller(subject="pia", role="clerk", departments=("parks",))
ADA = Caller(subject="ada", role="admin")
NOBODY = Caller(subject=None, role=None)


class NotYourDocument(ServiceError):
    """The refusal the documents service gives for a document that is not the caller's."""

    code = "document_not_found"


class FakeDocuments:
    """The documents service as the feedback service asks it: a caller's own documents."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}

    def add(self, document_type: str = "report_photo") -> str:
        document_id = str(uuid.uuid4())
        self.documents[document_id] = {"id": document_id, "document_type": document_type}
        return document_id

    def get_document(self, document_id: str) -> dict[str, Any]:
        if document_id not in self.documents:
            raise NotYourDocument("No such document of yours.")
        return self.documents[document_id]


class World:
    def __init__(self, fake_uow, **settings: Any) -> None:
        self.uow = fake_uow("feedback", Base.metadata)
        self.clock = Clock(MONDAY)
        self.settings = replace(FeedbackSettings(location_blur_meters=50), **settings)
        self.setting = Setting(self.settings, TOWN)
        self.documents = FakeDocuments()

    def report(self, caller: Caller = ANNA, key: str | None = None, **data: Any) -> dict[str, Any]:
        command = submissions.Submit(caller, "report", report_input(**data), key)
        return submissions.submit(
            command, self.uow, self.clock, self.setting, self.documents.get_document
        )

    def idea(self, caller: Caller = ANNA, key: str | None = None, **data: Any) -> dict[str, Any]:
        command = submissions.Submit(caller, "idea", idea_input(**data), key)
        return submissions.submit(
            command, self.uow, self.clock, self.setting, self.documents.get_document
        )

    def move(self, item_id: str, status: str, by: Caller = ADA, **change: Any) -> dict[str, Any]:
        loaded = load(StatusChange, {"status": status, **change})
        command = office.ChangeStatus(by, item_id, loaded, "en")
        return office.change_status(command, self.uow, self.clock, self.setting)

    def forget_published(self) -> None:
        self.uow.published.clear()


def report_input(**data: Any) -> dict[str, Any]:
    latitude, longitude = data.pop("place", MARKET)
    asked = {
        "category": "streetlight",
        "title": "Laterne aus",
        "description": "Die Laterne vor Nummer 3 ist dunkel.",
        "latitude": latitude,
        "longitude": longitude,
        "answers": {"fault": "dark"},
        "name": "Anna A.",
        "email": "anna@example.org",
        **data,
    }
    return load(ReportInput, asked)


def idea_input(**data: Any) -> dict[str, Any]:
    asked = {
        "category": "mobility",
        "title": "Mehr Radwege",
        "description": "Ein Radweg entlang der Ringstraße.",
        "name": "Anna A.",
        "email": "anna@example.org",
        **data,
    }
    return load(IdeaInput, asked)
