"""Every service's event contracts, imported by name: for what reads all of them at once
(the event catalogue, the contract tests). A publisher or consumer imports the one module
it needs instead."""

from __future__ import annotations

from services.applications import events as applications
from services.appointments import events as appointments
from services.common.events import EventContract, all_contracts
from services.documents import events as documents
from services.feedback import events as feedback
from services.notifications import events as notifications

PUBLISHERS = (appointments, applications, documents, notifications, feedback)
SOURCES = tuple(module.SOURCE for module in PUBLISHERS)


def platform_contracts() -> list[EventContract]:
    """The platform's contracts (tests and tools may register their own besides)."""
    return [contract for contract in all_contracts() if contract.source in SOURCES]
