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
class NoteNotifications:
    events: list[Event]  # notification_sent or notification_failed, as they came together
    action: str  # notices.SENT or notices.FAILED: the history entry each makes


def note_notifications(command: NoteNotifications, uow: UnitOfWork, clock: Clock) -> None:
    """Each case's history shows that (and how) the citizen was told, or that it failed, at
    the status the message told of (the case may have moved on while it was sent). A
    message about anything else (an appointment, a webhook, an alert) is not this
    service's business; a case that is gone is skipped. Messages that came together (the
    notifications service sends in batches) are noted in one transaction, each once."""
    about_cases = [
        event for event in command.events if notices.concerns_a_case(event.payload) is not None
    ]
    if not about_cases:
        return
    with uow.transaction(handling=about_cases) as tx:
        for event in tx.fresh:
            facts = event.payload
            row = tx.session.get(CaseRow, str(notices.concerns_a_case(facts)))
            if row is None:
                continue
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
