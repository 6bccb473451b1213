"""Which cases a caller finds: a case they may see, a citizen's own, the clerks' worklist.

A case out of the caller's reach is not found, as if it did not exist. The worklist pages
with the one keyset cursor (services/common/keyset.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, literal_column, or_, select, union_all
from sqlalchemy.orm import Session

from services.applications.errors import CaseNotFound
from services.applications.models import CaseRow, NoteRow
from services.applications.reach import Reach
from services.common.context import Caller
from services.common.identity import OFFICE
from services.common.keyset import InvalidCursor, Keyset, decode_cursor, encode_cursor


def visible(
    session: Session, caller: Caller, case_id: str, reach: Reach, *, lock: bool = False
) -> CaseRow:
    """The case, if the caller may see it: the office a case in its reach (their
    departments'), a citizen their own. Any other is not found, as if it did not exist."""
    statement = select(CaseRow).where(CaseRow.id == str(case_id))
    if lock and _dialect(session) == "postgresql":
        statement = statement.with_for_update()
    row = session.scalars(statement).first()
    if row is None or not _may_see(caller, reach, row):
        raise CaseNotFound("There is no such case.", {"case_id": str(case_id)})
    return row


def _may_see(caller: Caller, reach: Reach, row: CaseRow) -> bool:
    if caller.role in OFFICE:
        return reach.covers(row.application_type)
    return row.citizen == caller.subject


def find_note(session: Session, caller: Caller, note_id: str, reach: Reach) -> NoteRow:
    """A note by its id, on a case the caller may see."""
    note = session.get(NoteRow, int(note_id))
    if note is None:
        raise CaseNotFound("There is no such note.", {"note_id": str(note_id)})
    visible(session, caller, note.case_id, reach)
    return note


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
    column = getattr(CaseRow, query["sort"].lstrip("-"))
    keyset = Keyset((column, CaseRow.id), descending=query["sort"].startswith("-"))
    wanted = query["limit"] + 1
    conditions = _conditions(query, now, keyset, _dialect(session))
    if kinds is None or len(kinds) == 1:
        if kinds is not None:
            conditions.append(CaseRow.application_type == next(iter(kinds)))
        statement = select(CaseRow).where(*conditions)
    else:
        firsts = union_all(
            *(
                select(CaseRow.id)
                .where(CaseRow.application_type == kind, *conditions)
                .order_by(*keyset.order())
                .limit(wanted)
                .subquery()
                .select()
                for kind in sorted(kinds)
            )
        )
        statement = select(CaseRow).where(CaseRow.id.in_(firsts))
    rows = list(session.scalars(statement.order_by(*keyset.order()).limit(wanted)))
    more = len(rows) > query["limit"]
    rows = rows[: query["limit"]]
    cursor = keyset.cursor_of(rows[-1]) if more and rows else None
    return rows, cursor


def _types_asked(query: dict[str, Any], reach: Reach) -> frozenset[str] | None:
    """The types the list holds: those in reach, narrowed to the one asked for; None for
    every type."""
    asked = query["application_type"]
    if asked is None:
        return reach.keys
    return frozenset({asked}) if reach.covers(asked) else frozenset()


def _conditions(query: dict[str, Any], now: datetime, keyset: Keyset, dialect: str) -> list:
    """The filters and the cursor's bound, besides the type."""
    conditions = []
    if query["status"]:
        conditions.append(CaseRow.status == query["status"])
    if query["assignee"]:
        conditions.append(CaseRow.assignee == query["assignee"])
    if query["overdue"]:
        conditions += [CaseRow.closed.is_(False), _past_due(now, dialect)]
    if query["cursor"]:
        value, case_id = _bound(query["cursor"])
        column = keyset.columns[0]
        # the bound on the sort column alone lets the index start at the cursor; without
        # it, a page 50,000 cases in scanned the 50,000 before it
        if keyset.descending:
            after = and_(column <= value, or_(column < value, CaseRow.id < case_id))
        else:
            after = and_(column >= value, or_(column > value, CaseRow.id > case_id))
        conditions.append(after)
    return conditions


def _bound(cursor: str) -> tuple[datetime, str]:
    """The last row's sort value and id that a cursor of this list holds."""
    value, case_id = decode_cursor(cursor, 2)
    if not isinstance(value, datetime) or not isinstance(case_id, str):
        raise InvalidCursor(
            "The cursor is not one this list gave; start again without it.",
            {"cursor": ["Unknown."]},
        )
    return value, case_id


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
    """The cursor of a page that ends at (value, case_id); the benchmark starts deep with it."""
    return encode_cursor([value, case_id])
