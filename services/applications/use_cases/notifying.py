"""What the notifications service did about a case goes into the case's history.

The citizen's view folds each message into the step it told of, as the channel that told
them or failed to (views.citizen_history).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.applications import notices
from services.applications.models import CaseRow, HistoryRow
from services.common.clock import Clock
from services.common.database import UnitOfWork
from services.common.events import Event


@dataclass(frozen=True)
class NoteNotification:
    event: Event  # notification_sent or notification_failed
    action: str  # notices.SENT or notices.FAILED: the history entry it makes


def note_notification(command: NoteNotification, uow: UnitOfWork, clock: Clock) -> None:
    """The case's history shows that (and how) the citizen was told, or that it failed, at
    the status the message told of (the case may have moved on while it was sent). A
    message about anything else (an appointment, a webhook, an alert) is not this
    service's business; a case that is gone is skipped."""
    facts = command.event.payload
    case_id = notices.concerns_a_case(facts)
    if case_id is None:
        return
    with uow.transaction(handling=command.event) as tx:
        row = tx.session.get(CaseRow, str(case_id))
        if row is None:
            return
        event_type = notices.event_type_of(facts)
        status = notices.told_status(event_type, facts["facts"]) or row.status
        tx.session.add(
            HistoryRow(
                case_id=row.id,
                at=clock(),
                actor="notifications",
                actor_role="service",
                action=command.action,
                from_status=status,
                to_status=status,
                text=notices.notice_text(facts),
                documents=[],
            )
        )
