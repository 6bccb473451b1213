"""Reading the catalogue and the free slots, and keeping the catalogue: each change saved
with its audit row, or previewed for the free slots it makes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from services.appointments import availability as free_slots
from services.appointments import catalogue_admin, catalogue_changes
from services.appointments.catalogue_changes import CatalogueChange
from services.appointments.settings import AppointmentSettings
from services.common.audit import changes
from services.common.clock import Clock
from services.common.database import UnitOfWork
from services.common.identity import Caller


def list_services(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow.transaction() as tx:
        return catalogue_admin.list_offers(tx)


def list_locations(uow: UnitOfWork) -> list[dict[str, Any]]:
    with uow.transaction() as tx:
        return catalogue_admin.list_locations(tx)


@dataclass(frozen=True)
class FindFreeSlots:
    """The free slots of a service from `first` to `last`, at one location or at all."""

    service: str
    first: date
    last: date
    location: str | None = None


def availability(
    command: FindFreeSlots, uow: UnitOfWork, clock: Clock, settings: AppointmentSettings
) -> dict[str, Any]:
    with uow.transaction() as tx:
        return free_slots.availability(
            tx, command.service, command.first, command.last, command.location, settings, clock()
        )


@dataclass(frozen=True)
class ChangeCatalogue:
    """Save a service, a location or a capacity, recorded as `by`'s change."""

    change: CatalogueChange
    by: Caller


def put(command: ChangeCatalogue, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    with uow.transaction() as tx:
        return catalogue_changes.put(tx, command.by, command.change, clock())


@dataclass(frozen=True)
class PreviewChange:
    """The free slots a change would make from `first` to `last`, without saving it."""

    change: CatalogueChange
    first: date
    last: date


def preview(
    command: PreviewChange, uow: UnitOfWork, clock: Clock, settings: AppointmentSettings
) -> dict[str, Any]:
    with uow.transaction() as tx:
        return catalogue_changes.preview(
            tx, command.change, command.first, command.last, settings, clock()
        )


@dataclass(frozen=True)
class ReadAuditTrail:
    """The catalogue's changes, newest first, as `AuditQuery` loaded the query."""

    query: dict[str, Any]


def audit_trail(command: ReadAuditTrail, uow: UnitOfWork) -> dict[str, Any]:
    with uow.transaction() as tx:
        return changes(tx.session, command.query)
