"""The administrators' changes, read back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common.audit import changes
from services.common.database import UnitOfWork


@dataclass(frozen=True)
class ReadAuditTrail:
    query: dict[str, Any]  # as loaded by AuditQuery


def read_audit_trail(command: ReadAuditTrail, uow: UnitOfWork) -> dict[str, Any]:
    """Newest first: who (subject and name), when, what (entity: template, webhook, message;
    key), before and after."""
    with uow.transaction() as tx:
        return changes(tx.session, command.query)
