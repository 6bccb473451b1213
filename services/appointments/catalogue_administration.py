"""The appointments service's entrypoints for keeping the catalogue: the three puts, each
recorded in the audit trail, the preview of the free slots a change makes, and the trail.
Each loads its input, builds a command and runs its use case (`use_cases.catalogue`)."""

from __future__ import annotations

from typing import Any

from services.appointments.answers import (
    AvailabilityPreview,
    CapacityView,
    LocationView,
    ServiceView,
)
from services.appointments.catalogue_changes import (
    CAPACITY,
    LOCATION,
    SERVICE,
    CatalogueChange,
    ChangeInput,
)
from services.appointments.errors import (
    DateInPast,
    RangeTooLong,
    SlotLengthInUse,
    UnknownLocation,
    UnknownService,
)
from services.appointments.schemas import (
    CapacityInput,
    LocationInput,
    OfferInput,
    RangeInput,
    check_key,
)
from services.appointments.settings import AppointmentSettings
from services.appointments.use_cases import catalogue
from services.common.audit import AuditPage, AuditQuery
from services.common.clock import system_clock
from services.common.identity import ADMIN, OFFICE
from services.common.loading import load
from services.common.rpc_entrypoint import rpc


class CatalogueAdministration:
    """Mixed into AppointmentsService (which brings `db` and `caller`)."""

    @rpc(roles=OFFICE, answers=ServiceView)
    def put_service(self, key: str, service: dict[str, Any]) -> dict[str, Any]:
        change = CatalogueChange(SERVICE, load(OfferInput, service), key=check_key(key, "key"))
        return catalogue.put(catalogue.ChangeCatalogue(change, self.caller), self.db, system_clock)

    @rpc(roles=OFFICE, errors=(SlotLengthInUse,), answers=LocationView)
    def put_location(self, key: str, location: dict[str, Any]) -> dict[str, Any]:
        """Save a location; a closed day it adds must not have passed."""
        data = load(LocationInput, location)
        change = CatalogueChange(LOCATION, data, key=check_key(key, "key"))
        return catalogue.put(catalogue.ChangeCatalogue(change, self.caller), self.db, system_clock)

    @rpc(roles=OFFICE, errors=(UnknownLocation, UnknownService), answers=CapacityView)
    def put_capacity(self, location: str, service: str, capacity: dict[str, Any]) -> dict[str, Any]:
        data = load(CapacityInput, capacity)
        change = CatalogueChange(CAPACITY, data, location=location, service=service)
        return catalogue.put(catalogue.ChangeCatalogue(change, self.caller), self.db, system_clock)

    @rpc(
        roles=OFFICE,
        errors=(SlotLengthInUse, UnknownLocation, UnknownService, DateInPast, RangeTooLong),
        answers=AvailabilityPreview,
    )
    def preview_availability(
        self, change: dict[str, Any], date_from: str, date_to: str
    ) -> dict[str, Any]:
        """The free slots a change would make, without saving it.

        `change` is `{"kind": "service"|"location", "key": ..., "value": <as put_service or
        put_location takes it>}` or `{"kind": "capacity", "location": ..., "service": ...,
        "value": <as put_capacity takes it>}`. For each location and service it touches:
        per day, the places free now and with the change, and the start times it opens and
        closes. The change runs in a savepoint that is rolled back.
        """
        asked = CatalogueChange.of(load(ChangeInput, change))
        days = load(RangeInput, {"date_from": date_from, "date_to": date_to})
        command = catalogue.PreviewChange(asked, days["date_from"], days["date_to"])
        return catalogue.preview(command, self.db, system_clock, AppointmentSettings.from_config())

    @rpc(roles=ADMIN, answers=AuditPage)
    def audit_trail(self, query: dict[str, Any] | None = None) -> dict[str, Any]:
        """The catalogue's changes, newest first: who (subject and name), when, what
        (entity: service, location, capacity; key), before and after."""
        asked = load(AuditQuery, query or {})
        return catalogue.audit_trail(catalogue.ReadAuditTrail(asked), self.db)
