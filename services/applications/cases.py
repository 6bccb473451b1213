"""Cases: submitted, moved through their statuses, answered, read; and the clerks' worklist.

Every change writes the case, an entry of its append-only history and its events in one
transaction (the outbox sends them after the commit).
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, literal_column, or_, select, union_all
from sqlalchemy.orm import Session

from services.applications import submission, workflow
from services.applications.catalogue import INITIAL, ApplicationType
from services.applications.errors import CaseNotFound, NoOpenRequest
from services.applications.models import CaseAttachmentRow, CaseRow, HistoryRow, NoteRow
from services.applications.reach import Reach
from services.common.context import Caller
from services.common.database import Transaction
from services.common.errors import InvalidInput

OFFICE = ("clerk", "admin")
# the moves that decide a case; each issues a decision letter
DECISIONS = ("approve", "reject")


def submit(
    tx: Transaction,
    caller: Caller,
    kind: ApplicationType,
    spec: dict[str, Any],
    form: dict[str, Any],
    attachments: list[dict[str, Any]],
    now: datetime,
) -> CaseRow:
    row = CaseRow(
        id=str(uuid.uuid4()),
        number=submission.next_number(tx.session, kind, now),
        application_type=kind.key,
        citizen=caller.subject,
        contact=spec["contact"],
        language=spec["language"],
        form=form,
        submission=submission.metadata(kind, form, attachments),
        status=INITIAL,
        closed=False,
        submitted_at=now,
        due_at=submission.due_at(kind, now),
        updated_at=now,
    )
    tx.session.add(row)
    for attachment in attachments:
        tx.session.add(_attachment(row.id, attachment, now))
    _history(tx.session, row, caller, "submit", None, INITIAL, None, attachments, now)
    tx.session.flush()
    tx.publish(
        "application_submitted",
        {
            **facts(kind, row),
            "processing_days": kind.processing_days,
            "submitted_at": now.isoformat(),
            "recipient_name": row.contact["name"],
            "fee_cents": kind.fee_cents,
            "attachments": [
                {"document_id": a["document_id"], "purpose": a["purpose"], "title": a["title"]}
                for a in attachments
            ],
        },
    )
    return row


def move(
    tx: Transaction,
    caller: Caller,
    kind: ApplicationType,
    row: CaseRow,
    action: str,
    now: datetime,
    *,
    text: str | None = None,
    attachments: list[dict[str, Any]] = (),
) -> CaseRow:
    if action == "answer" and not awaits_answer(row):
        raise NoOpenRequest("The office asked nothing that waits for an answer.", {})
    target = workflow.target_of(kind, row.status, action)
    before = row.status
    row.status = target
    row.closed = kind.statuses[target].final
    row.updated_at = now
    row.open_request = text if action == "request_information" else None
    for attachment in attachments:
        tx.session.merge(_attachment(row.id, attachment, now))
    _history(tx.session, row, caller, action, before, target, text, attachments, now)
    status = kind.statuses[target]
    tx.publish(
        "application_status_changed",
        {
            **facts(kind, row),
            "status": target,
            "status_text": status.texts[row.language],
            "inform_citizen": status.inform,
            "closed": status.final,
        },
    )
    if action == "request_information":
        tx.publish("application_information_requested", {**facts(kind, row), "question": text})
    if action in DECISIONS:
        tx.publish("application_decided", decision_facts(kind, row, caller, target, text, now))
    return row


def decision_facts(
    kind: ApplicationType,
    row: CaseRow,
    caller: Caller,
    decision: str,
    reason: str | None,
    now: datetime,
) -> dict[str, Any]:
    """What `application_decided` says: the documents service writes the letter from it."""
    return {
        **facts(kind, row),
        "decision": decision,
        "reason": reason,
        "decided_at": now.isoformat(),
        "recipient_name": row.contact["name"],
        "clerk": caller.subject,
        "clerk_name": caller.name,
    }


def decision_preview(
    kind: ApplicationType, row: CaseRow, caller: Caller, action: str, reason: str, now: datetime
) -> dict[str, Any]:
    """The facts deciding now would publish, checked as `move` checks the decision, while
    the case stays as it is: what its decision letter would be written from."""
    decision = workflow.target_of(kind, row.status, action)
    return decision_facts(kind, row, caller, decision, reason, now)


def awaits_answer(row: CaseRow) -> bool:
    """The office asked the citizen something they have not answered yet."""
    return row.open_request is not None


def assign(tx: Transaction, caller: Caller, row: CaseRow, assignee: str | None, now) -> CaseRow:
    row.assignee = assignee
    row.updated_at = now
    _history(tx.session, row, caller, "assign", row.status, row.status, None, (), now)
    return row


def add_note(session: Session, caller: Caller, row: CaseRow, text: str, now) -> NoteRow:
    note = NoteRow(case_id=row.id, at=now, author=caller.subject, text=text)
    session.add(note)
    session.flush()
    return note


def find_note(session: Session, caller: Caller, note_id: str, reach: Reach) -> NoteRow:
    """A note by its id, on a case the caller may see."""
    note = session.get(NoteRow, int(note_id))
    visible(session, caller, note.case_id, reach)
    return note


def note_view(note: NoteRow) -> dict[str, Any]:
    return {"note_id": note.id, "at": note.at.isoformat(), "author": note.author, "text": note.text}


def visible(
    session: Session, caller: Caller, case_id: str, reach: Reach, *, lock: bool = False
) -> CaseRow:
    """The case, if the caller may see it: the office a case in its reach (their
    departments'), a citizen their own. Any other is not found, as if it did not exist."""
    statement = select(CaseRow).where(CaseRow.id == str(case_id))
    if lock and session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    row = session.scalars(statement).first()
    if row is None or not _may_see(caller, reach, row):
        raise CaseNotFound("There is no such case.", {"case_id": str(case_id)})
    return row


def _may_see(caller: Caller, reach: Reach, row: CaseRow) -> bool:
    if caller.role in OFFICE:
        return reach.covers(row.application_type)
    return row.citizen == caller.subject


def facts(kind: ApplicationType, row: CaseRow) -> dict[str, Any]:
    return {
        "case_id": row.id,
        "case_number": row.number,
        "application_type": kind.key,
        "department": kind.department,
        "type_name": kind.name(row.language),
        "citizen": row.citizen,
        "email": row.contact.get("email"),
        "language": row.language,
    }


def view(session: Session, kind: ApplicationType, row: CaseRow, caller: Caller) -> dict[str, Any]:
    """The case as the caller may see it: internal notes and the assignee for the office only."""
    language = row.language
    history = session.scalars(
        select(HistoryRow).where(HistoryRow.case_id == row.id).order_by(HistoryRow.id)
    ).all()
    attachments = session.scalars(
        select(CaseAttachmentRow).where(CaseAttachmentRow.case_id == row.id)
    ).all()
    answer = {
        "case_id": row.id,
        "case_number": row.number,
        "application_type": kind.key,
        "type_name": kind.name(language),
        "status": row.status,
        "status_text": kind.statuses[row.status].texts[language],
        "closed": row.closed,
        "open_request": row.open_request,
        "submitted_at": row.submitted_at.isoformat(),
        "due_at": row.due_at.isoformat(),
        "form": row.form,
        "contact": row.contact,
        "submission": row.submission,
        "attachments": [
            {
                "document_id": a.document_id,
                "purpose": a.purpose,
                "sha256": a.sha256,
                "media_type": a.media_type,
            }
            for a in attachments
        ],
        "history": (
            [{**entry_view(entry), "actor": entry.actor} for entry in history]
            if caller.role in OFFICE
            else citizen_history(history)
        ),
        "allowed_actions": actions_for(kind, row, caller),
    }
    if caller.role in OFFICE:
        notes = session.scalars(
            select(NoteRow).where(NoteRow.case_id == row.id).order_by(NoteRow.id)
        ).all()
        answer["assignee"] = row.assignee
        answer["notes"] = [note_view(n) for n in notes]
    return answer


def actions_for(kind: ApplicationType, row: CaseRow, caller: Caller) -> list[str]:
    """What the caller may do with the case now: the office its moves, the citizen their own
    (answering only while the office waits for an answer)."""
    if caller.role in OFFICE:
        return workflow.allowed_actions(kind, row.status, workflow.OFFICE_ACTIONS)
    return [
        action
        for action in workflow.allowed_actions(kind, row.status, workflow.CITIZEN_ACTIONS)
        if action != "answer" or awaits_answer(row)
    ]


def entry_view(entry: HistoryRow) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "action": entry.action,
        "from_status": entry.from_status,
        "to_status": entry.to_status,
        "text": entry.text,
        "documents": entry.documents,
    }


# entries the notifications service's news make: the citizen reads them folded into a step
NOTICES = ("citizen_notified", "notification_failed")
# the office's own business: who works the case
OFFICE_ONLY = ("assign",)


@dataclass
class _Step:
    """A step of the case as the citizen follows it, with how they were told of it."""

    entry: HistoryRow
    told: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)

    def view(self) -> dict[str, Any]:
        return {
            **entry_view(self.entry),
            "notified_by": [channel for channel in CITIZEN_CHANNELS if channel in self.told],
            # a message failed on a channel, and no other message told them on it since
            "notice_failed": bool(self.failed - self.told),
        }


def citizen_history(history: list[HistoryRow]) -> list[dict[str, Any]]:
    """One entry per step (submitted, reviewed, asked, answered, decided, ...); each message
    about a step folded into it as the channel that told the citizen, or failed to."""
    steps: list[_Step] = []
    for entry in history:
        if entry.action in NOTICES:
            step = _step_told(steps, entry.to_status)
            if step is not None:
                told = step.told if entry.action == "citizen_notified" else step.failed
                told.add(_channel_of(entry))
        elif entry.action not in OFFICE_ONLY:
            steps.append(_Step(entry))
    return [step.view() for step in steps]


def _step_told(steps: list[_Step], status: str | None) -> _Step | None:
    """The latest step into the status a message told of (the latest step, for a message
    recorded before the status was noted with it)."""
    for step in reversed(steps):
        if step.entry.to_status == status:
            return step
    return steps[-1] if steps else None


def summary(
    kind: ApplicationType, row: CaseRow, now: datetime, *, office: bool = False
) -> dict[str, Any]:
    """A line of a list; who works the case is the office's business."""
    answer = {
        "case_id": row.id,
        "case_number": row.number,
        "application_type": row.application_type,
        "type_name": kind.name(row.language),
        "status": row.status,
        "status_text": kind.statuses[row.status].texts[row.language],
        "submitted_at": row.submitted_at.isoformat(),
        "due_at": row.due_at.isoformat(),
        "overdue": not row.closed and row.due_at < now,
    }
    if office:
        answer["assignee"] = row.assignee
    return answer


def mine(session: Session, caller: Caller) -> list[CaseRow]:
    return list(
        session.scalars(
            select(CaseRow)
            .where(CaseRow.citizen == caller.subject)
            .order_by(CaseRow.submitted_at.desc())
            .limit(200)
        )
    )


def worklist(
    session: Session, query: dict[str, Any], now: datetime, reach: Reach
) -> tuple[list[CaseRow], str | None]:
    """A page of the cases in the caller's reach by their filters, in a stable order; the
    cursor of the next page.

    Keyset pagination on (sort column, id): a page costs the same on page 1 and page 2,000.
    Each type in reach is read apart, from an index that starts with the type and ends with
    the sort (models.CaseRow), and only those first pages are merged: `type IN (...)` would
    have the database sort every case of those types to find the first 25.
    """
    kinds = _types_asked(query, reach)
    if kinds is not None and not kinds:
        return [], None
    descending = query["sort"].startswith("-")
    column = getattr(CaseRow, query["sort"].lstrip("-"))
    order = (column.desc(), CaseRow.id.desc()) if descending else (column.asc(), CaseRow.id.asc())
    wanted = query["limit"] + 1
    conditions = _conditions(query, now, column, descending, _dialect(session))
    if kinds is None or len(kinds) == 1:
        if kinds is not None:
            conditions.append(CaseRow.application_type == next(iter(kinds)))
        statement = select(CaseRow).where(*conditions)
    else:
        firsts = union_all(
            *(
                select(CaseRow.id)
                .where(CaseRow.application_type == kind, *conditions)
                .order_by(*order)
                .limit(wanted)
                .subquery()
                .select()
                for kind in sorted(kinds)
            )
        )
        statement = select(CaseRow).where(CaseRow.id.in_(firsts))
    rows = list(session.scalars(statement.order_by(*order).limit(wanted)))
    more = len(rows) > query["limit"]
    rows = rows[: query["limit"]]
    cursor = _encode(getattr(rows[-1], column.key), rows[-1].id) if more and rows else None
    return rows, cursor


def _types_asked(query: dict[str, Any], reach: Reach) -> frozenset[str] | None:
    """The types the list holds: those in reach, narrowed to the one asked for; None for
    every type."""
    asked = query["application_type"]
    if asked is None:
        return reach.keys
    return frozenset({asked}) if reach.covers(asked) else frozenset()


def _conditions(
    query: dict[str, Any], now: datetime, column, descending: bool, dialect: str
) -> list:
    """The filters and the cursor's bound, besides the type."""
    conditions = []
    if query["status"]:
        conditions.append(CaseRow.status == query["status"])
    if query["assignee"]:
        conditions.append(CaseRow.assignee == query["assignee"])
    if query["overdue"]:
        conditions += [CaseRow.closed.is_(False), _past_due(now, dialect)]
    if query["cursor"]:
        value, case_id = _decode(query["cursor"])
        # the bound on the sort column alone lets the index start at the cursor; without
        # it, a page 50,000 cases in scanned the 50,000 before it
        if descending:
            after = and_(column <= value, or_(column < value, CaseRow.id < case_id))
        else:
            after = and_(column >= value, or_(column > value, CaseRow.id > case_id))
        conditions.append(after)
    return conditions


def _past_due(now: datetime, dialect: str):
    """`due_at < now`. SQLite keeps no histogram and guesses that a range keeps a quarter
    of the rows: it would then read the open cases by due date and sort them all for a list
    by submission. Told that most open cases are past due (as they are in an office that
    falls behind, the one whose overdue list is long), it reads the list's own index in
    order and stops after a page; a list by due date still starts at the bound."""
    past_due = CaseRow.due_at < now
    if dialect != "sqlite":
        return past_due
    return func.likelihood(past_due, literal_column("0.7"))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _encode(value: datetime, case_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([value.isoformat(), case_id]).encode()).decode()


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        value, case_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(value), str(case_id)
    except (ValueError, TypeError):
        raise InvalidInput(
            "The cursor is not one this list gave.", {"cursor": ["Unknown."]}
        ) from None


CITIZEN_CHANNELS = ("email", "sms", "inbox")


def concerns_a_case(facts: dict[str, Any]) -> str | None:
    """The case a notification was about, when it was a message to the citizen about one."""
    if not facts["event_type"].startswith("applications."):
        return None
    if facts["channel"] not in CITIZEN_CHANNELS:
        return None
    return facts["facts"].get("case_id")


def note_notification(
    session: Session, case_id: str, facts: dict[str, Any], action: str, now: datetime
) -> None:
    """The case's history shows that (and how) the citizen was told, or that it failed, at
    the status the message told of (the case may have moved on while it was sent)."""
    row = session.get(CaseRow, str(case_id))
    if row is None:
        return
    event_type = facts["event_type"].partition(".")[2]
    status = told_status(event_type, facts["facts"]) or row.status
    session.add(
        HistoryRow(
            case_id=row.id,
            at=now,
            actor="notifications",
            actor_role="service",
            action=action,
            from_status=status,
            to_status=status,
            text=f"{facts['channel']}: {event_type}",
            documents=[],
        )
    )


def told_status(event_type: str, public: dict[str, Any]) -> str | None:
    """The status a message told the citizen of, from its event's public facts."""
    if event_type == "application_submitted":
        return INITIAL
    if event_type == "application_information_requested":
        return workflow.ACTIONS["request_information"]
    return public.get("status") or public.get("decision")


def _channel_of(notice: HistoryRow) -> str:
    """The channel of a notice entry, whose text note_notification wrote as 'channel: event'."""
    return (notice.text or "").partition(":")[0]


def _attachment(case_id: str, attachment: dict[str, Any], now) -> CaseAttachmentRow:
    return CaseAttachmentRow(
        case_id=case_id,
        document_id=attachment["document_id"],
        purpose=attachment["purpose"],
        sha256=attachment["sha256"],
        media_type=attachment["media_type"],
        added_at=now,
    )


def _history(session, row, caller, action, before, after, text, attachments, now) -> None:
    session.add(
        HistoryRow(
            case_id=row.id,
            at=now,
            actor=caller.subject,
            actor_role=caller.role,
            action=action,
            from_status=before,
            to_status=after,
            text=text,
            documents=[a["document_id"] for a in attachments],
        )
    )
