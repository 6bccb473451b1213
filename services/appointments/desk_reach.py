"""Whose desks a clerk works: the locations of their departments, and those that name none.

A location names the department whose clerks work its desks (the citizens' office, say); a
location that names none is a desk every clerk works. An administrator works every desk.
A location out of reach is listed nowhere and not found by its key, nor are its visits, as
another department's cases and reports are not (services/common/reach.py).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.appointments.desk import no_such_appointment
from services.appointments.errors import UnknownLocation
from services.appointments.models import AppointmentRow, LocationRow
from services.appointments.store import location_row
from services.common.context import Caller
from services.common.reach import SEES_ALL, WORKS_BY_DEPARTMENT, Reach, department_reach


def works_at(caller: Caller, department: str | None) -> bool:
    """Whether the caller works the desks of a location filed under `department`."""
    if caller.role not in (SEES_ALL, WORKS_BY_DEPARTMENT):
        return False
    return department is None or department_reach(caller).covers(department)


def desk_reach(session: Session, caller: Caller) -> Reach:
    """The keys of the locations whose desks the caller works; None for all."""
    if caller.role == SEES_ALL:
        return Reach(None)
    rows = session.execute(select(LocationRow.key, LocationRow.department))
    return Reach(frozenset(key for key, department in rows if works_at(caller, department)))


def worked_location(session: Session, caller: Caller, key: str) -> LocationRow:
    """The location `key`, if the caller works its desks; else not found, as if none."""
    row = location_row(session, key)
    if not works_at(caller, row.department):
        raise UnknownLocation(f"There is no location {key!r}.", {"location": key})
    return row


def visit_in_reach(session: Session, caller: Caller, appointment_id: str) -> None:
    """Refuse a visit at a location whose desks the caller does not work, as not found."""
    department = session.execute(
        select(LocationRow.department)
        .join(AppointmentRow, AppointmentRow.location_id == LocationRow.id)
        .where(AppointmentRow.id == appointment_id)
    ).first()
    if department is not None and not works_at(caller, department[0]):
        raise no_such_appointment(appointment_id)
