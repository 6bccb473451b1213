"""Reading cases: one case, a citizen's own, the clerks' worklist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.applications import cases, views
from services.applications.use_cases.ports import Types, reach
from services.common.clock import Clock
from services.common.context import Caller
from services.common.database import Transaction, UnitOfWork


@dataclass(frozen=True)
class GetCase:
    caller: Caller
    case_id: str


@dataclass(frozen=True)
class MyCases:
    caller: Caller


@dataclass(frozen=True)
class ReadWorklist:
    caller: Caller
    query: dict[str, Any]  # schemas.Worklist, loaded


def get_case(command: GetCase, uow: UnitOfWork, *, types: Types) -> dict[str, Any]:
    with uow.transaction() as tx:
        return case_view(tx, command.caller, command.case_id, types)


def case_view(tx: Transaction, caller: Caller, case_id: str, types: Types) -> dict[str, Any]:
    """The case as the caller may see it; not found when it is not theirs to see."""
    row = cases.visible(tx.session, caller, case_id, reach(caller, types))
    return views.view(tx.session, types[row.application_type], row, caller)


def my_cases(
    command: MyCases, uow: UnitOfWork, clock: Clock, *, types: Types
) -> list[dict[str, Any]]:
    with uow.transaction() as tx:
        return [
            views.summary(types[row.application_type], row, clock())
            for row in cases.mine(tx.session, command.caller)
        ]


def worklist(
    command: ReadWorklist, uow: UnitOfWork, clock: Clock, *, types: Types
) -> dict[str, Any]:
    """A page of the cases the caller works: a clerk's departments', an admin's all."""
    with uow.transaction() as tx:
        rows, cursor = cases.worklist(
            tx.session, command.query, clock(), reach(command.caller, types)
        )
        return {
            "cases": [
                views.summary(types[row.application_type], row, clock(), office=True)
                for row in rows
            ],
            "next_cursor": cursor,
        }
