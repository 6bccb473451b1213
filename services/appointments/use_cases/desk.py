"""The day at the desk: the list, moving a visit along, calling the next, walk-ins, the
hall's display and the figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.appointments import catalogue_admin, desk_board, lifecycle, views, walk_ins
from services.appointments import desk as front_desk
from services.appointments.desk_reach import desk_reach, visit_in_reach, worked_location
from services.appointments.opening import local_date_of, to_minute
from services.common.clock import Clock
from services.common.context import Caller
from services.common.database import UnitOfWork
from services.common.errors import InvalidInput
from services.common.idempotency import Once


@dataclass(frozen=True)
class ReadDayList:
    """A location's appointments on one day, in order."""

    location: str
    day: date
    caller: Caller = field(kw_only=True)


def day_list(command: ReadDayList, uow: UnitOfWork) -> dict[str, Any]:
    with uow.transaction() as tx:
        worked_location(tx.session, command.caller, command.location)
        listed = front_desk.day_list(tx, command.location, command.day)
        return {
            "location": command.location,
            "date": command.day.isoformat(),
            "appointments": [views.view(booked) for booked in listed],
        }


@dataclass(frozen=True)
class ActAtDesk:
    """Check in, call (to `desk`, the calling desk's number), serve, or no-show."""

    appointment_id: str
    action: str
    desk: int | None = None
    caller: Caller = field(kw_only=True)


def checked_action(action: str) -> str:
    """One of the desk's actions; anything else is refused before any row is read."""
    if action not in lifecycle.DESK_ACTIONS:
        raise InvalidInput("No such desk action.", {"action": list(lifecycle.DESK_ACTIONS)})
    return action


def desk_action(command: ActAtDesk, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    checked_action(command.action)
    with uow.transaction() as tx:
        visit_in_reach(tx.session, command.caller, command.appointment_id)
        moved = front_desk.act(tx, command.appointment_id, command.action, clock(), command.desk)
        return views.view(moved)


@dataclass(frozen=True)
class ReadBoard:
    """One part of a location's day (`section`) a page at a time, seen from one desk."""

    location: str
    day: date
    desk: int
    section: str = "waiting"
    offset: int = 0
    limit: int = 50
    caller: Caller = field(kw_only=True)


def board(command: ReadBoard, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    with uow.transaction() as tx:
        worked_location(tx.session, command.caller, command.location)
        return desk_board.board(
            tx,
            command.location,
            command.day,
            command.desk,
            command.section,
            command.offset,
            command.limit,
            clock(),
        )


@dataclass(frozen=True)
class CallNext:
    """Call the visit that has waited first today to `desk`."""

    location: str
    desk: int
    caller: Caller = field(kw_only=True)


def call_next(command: CallNext, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    with uow.transaction() as tx:
        worked_location(tx.session, command.caller, command.location)
        called = front_desk.call_next(tx, command.location, command.desk, clock())
        return desk_board.visit(tx, called.row.id)


@dataclass(frozen=True)
class IssueWalkIn:
    """A ticket in today's queue for a citizen without an appointment; sent again with its
    key by the same clerk, it is the same ticket."""

    caller: Caller
    location: str
    service: str
    idempotency_key: str | None = None


def issue_walk_in(command: IssueWalkIn, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    with uow.transaction() as tx:
        worked_location(tx.session, command.caller, command.location)
    keyed = walk_ins.keyed(
        command.caller.subject or "", command.location, command.service, command.idempotency_key
    )
    once = Once(uow.transaction, keyed, desk_board.visit)
    if (earlier := once.earlier()) is not None:
        return earlier
    return once.make(
        lambda tx: walk_ins.issue(tx, command.location, command.service, now=clock()).id
    )


@dataclass(frozen=True)
class ReadCallDisplay:
    """The calls of the moment at a location, as the hall's screen shows them."""

    location: str


def call_display(command: ReadCallDisplay, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    with uow.transaction() as tx:
        return desk_board.display(tx, command.location, local_date_of(to_minute(clock())))


@dataclass(frozen=True)
class ReadFigures:
    """Figures per service and location over the days from `first` to `last`; the answer
    repeats the dates as they were asked (`date_from`, `date_to`)."""

    date_from: str
    date_to: str
    first: date
    last: date
    location: str | None = None
    service: str | None = None
    caller: Caller = field(kw_only=True)


def statistics(command: ReadFigures, uow: UnitOfWork) -> dict[str, Any]:
    """The figures of the locations whose desks the caller works."""
    with uow.transaction() as tx:
        if command.location is not None:
            worked_location(tx.session, command.caller, command.location)
        reach = desk_reach(tx.session, command.caller)
        rows = front_desk.figures(
            tx, command.first, command.last, command.location, command.service, reach
        )
    return {"date_from": command.date_from, "date_to": command.date_to, "rows": rows}


@dataclass(frozen=True)
class ListDeskLocations:
    """The locations whose desks the caller works."""

    caller: Caller


def desk_locations(command: ListDeskLocations, uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow.transaction() as tx:
        reach = desk_reach(tx.session, command.caller)
        return [place for place in catalogue_admin.list_locations(tx) if reach.covers(place["key"])]
