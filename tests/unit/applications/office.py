"""The applications service's use cases at a desk of their own: the real catalogue, a fake
unit of work (in-memory SQLite, no broker), a pinned clock and a hand-written documents
service that knows whose documents are whose."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, select

from services.applications import catalogue, use_cases
from services.applications.models import Base, CaseRow
from services.applications.schemas import Submission, Worklist
from services.common.context import Caller
from services.common.errors import NotFound, ServiceError
from services.common.loading import load
from services.common.tables import idempotency_metadata
from tests.support.clock import Clock
from tests.support.fakes import FakeUnitOfWork

# a Wednesday morning: ten working days later is the Wednesday two weeks on
MOMENT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

ANNA = Caller("anna", "citizen")
BEN = Caller("ben", "citizen")
CLARA = Caller("clara", "clerk", ("traffic",), "Clara Klein")  # resident parking permits
THEO = Caller("theo", "clerk", ("taxes",))  # dog tax
NINA = Caller("nina", "clerk")  # works no department yet
ADA = Caller("ada", "admin")


@cache
def types() -> catalogue.Types:
    """The catalogue the service starts with (types.yaml), read once for every test."""
    return catalogue.Types(catalogue.load())


class FakeDocuments:
    """The documents service as the applications service asks it: a citizen's documents
    are theirs alone; anyone else's is not found, as the real one answers."""

    def __init__(self) -> None:
        self.owners: dict[str, str] = {}
        self.kept: dict[str, dict[str, Any]] = {}
        self.asking: Caller = ANNA  # whose behalf the next questions are asked on
        self.asked: list[str] = []
        self.previews: list[dict[str, Any]] = []
        self.fault: ServiceError | None = None

    def upload(self, owner: Caller, document_type: str = "attachment", title: str = "") -> str:
        document_id = str(uuid.uuid4())
        content = f"{owner.subject}:{document_id}".encode()
        self.owners[document_id] = owner.subject
        self.kept[document_id] = {
            "document_id": document_id,
            "document_type": document_type,
            "title": title,
            "versions": [
                {"current": False, "sha256": "0" * 64, "media_type": "image/png"},
                {
                    "current": True,
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "media_type": "application/pdf",
                },
            ],
        }
        return document_id

    def sha256(self, document_id: str) -> str:
        return self.kept[document_id]["versions"][-1]["sha256"]

    def get_document(self, document_id: str) -> dict[str, Any]:
        self.asked.append(document_id)
        if self.fault is not None:
            raise self.fault
        if self.owners.get(document_id) != self.asking.subject:
            raise NotFound("There is no such document.", {"document_id": document_id})
        return self.kept[document_id]

    def preview_decision_letter(self, facts: dict[str, Any]) -> dict[str, Any]:
        self.previews.append(facts)
        return {"title": "Bescheid", "media_type": "application/pdf", "content": "JVBERi0="}


def parking_form(**changes: Any) -> dict[str, Any]:
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


def dog_form() -> dict[str, Any]:
    return {
        "dogs": [
            {"name": "Bello", "breed": "Dackel", "born": "2024-05-01", "chip_number": "2" * 15}
        ],
        "kept_since": "2026-11-01",
        "address": {
            "street": "Markt",
            "house_number": "1",
            "postcode": "59494",
            "city": "Soest",
        },
    }


def desk_of(fake_uow: Callable[..., FakeUnitOfWork], handler: str | None = None) -> Desk:
    """A desk over the service's tables and the idempotency keys it shares with the others;
    `handler` names the event handler whose deliveries its inbox counts."""
    return Desk(fake_uow("applications", Base.metadata, idempotency_metadata, handler=handler))


class Desk:
    """One office with its cases: submit and work them as the service's entrypoints do."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow
        self.clock = Clock(MOMENT)
        self.documents = FakeDocuments()

    # the citizen's side

    def parking_application(self, citizen: Caller = ANNA, **changes: Any) -> dict[str, Any]:
        """A complete application with two documents of the citizen's own."""
        registration = self.documents.upload(citizen, title="Zulassung")
        residence = self.documents.upload(citizen)
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

    def dog_application(self, **changes: Any) -> dict[str, Any]:
        return {
            "application_type": "hundesteuer",
            "form": dog_form(),
            "contact": {"name": "Anna Schmidt", "email": "anna@example.org"},
            **changes,
        }

    def submit(
        self,
        application: dict[str, Any] | None = None,
        citizen: Caller = ANNA,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        application = application or self.parking_application(citizen)
        self.documents.asking = citizen
        command = use_cases.SubmitApplication.of(
            citizen, load(Submission, application), idempotency_key
        )
        return use_cases.submit_application(
            command, self.uow, self.clock, types=types(), documents=self.documents
        )

    # the office's side

    def move(
        self, caller: Caller, case_id: str, action: str, text: str | None = None
    ) -> dict[str, Any]:
        command = use_cases.MoveCase(caller, case_id, action, text)
        return use_cases.move_case(command, self.uow, self.clock, types=types())

    def decide(
        self, case_id: str, decision: str = "approved", reason: str = "Alles da."
    ) -> dict[str, Any]:
        command = use_cases.DecideCase(CLARA, case_id, decision, reason)
        return use_cases.decide_case(command, self.uow, self.clock, types=types())

    def case(self, caller: Caller, case_id: str) -> dict[str, Any]:
        return use_cases.get_case(use_cases.GetCase(caller, case_id), self.uow, types=types())

    def worklist(self, caller: Caller = CLARA, **query: Any) -> dict[str, Any]:
        command = use_cases.ReadWorklist(caller, load(Worklist, query))
        return use_cases.worklist(command, self.uow, self.clock, types=types())

    # what a test checks besides the answers

    def count_cases(self) -> int:
        with self.uow.transaction() as tx:
            return tx.session.scalar(select(func.count()).select_from(CaseRow))

    def status_of(self, case_id: str) -> str:
        with self.uow.transaction() as tx:
            return tx.session.get(CaseRow, case_id).status
