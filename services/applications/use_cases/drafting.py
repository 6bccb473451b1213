"""Drafts: a citizen saves an application half done and resumes it later, on any device."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.applications import drafts, records
from services.applications.use_cases.ports import Types
from services.common.clock import Clock
from services.common.context import Caller
from services.common.database import UnitOfWork
from services.common.idempotency import Keyed, Once


@dataclass(frozen=True)
class SaveDraft:
    caller: Caller
    draft: dict[str, Any]  # schemas.DraftInput, loaded
    draft_id: str | None = None  # None: a new draft
    idempotency_key: str | None = None  # makes a new draft safe to send again


@dataclass(frozen=True)
class GetDraft:
    caller: Caller
    draft_id: str


@dataclass(frozen=True)
class MyDrafts:
    caller: Caller


def save_draft(
    command: SaveDraft, uow: UnitOfWork, clock: Clock, *, types: Types
) -> dict[str, Any]:
    """A new draft, or a draft replaced as a whole."""
    caller, data = command.caller, command.draft
    types.kind_of(data["application_type"])
    if command.draft_id is not None:
        with uow.transaction() as tx:
            return drafts.save(tx.session, caller, command.draft_id, data, clock())
    once = Once(
        uow.transaction,
        Keyed.of(records.subject(caller), "draft", command.idempotency_key, data),
        lambda tx, made: drafts.view(drafts.find(tx.session, caller, made)),
    )
    if (earlier := once.earlier()) is not None:
        return earlier
    return once.make(lambda tx: drafts.save(tx.session, caller, None, data, clock())["draft_id"])


def get_draft(command: GetDraft, uow: UnitOfWork) -> dict[str, Any]:
    with uow.transaction() as tx:
        return drafts.view(drafts.find(tx.session, command.caller, command.draft_id))


def my_drafts(command: MyDrafts, uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow.transaction() as tx:
        return drafts.mine(tx.session, command.caller)
