"""The appointments service's entrypoints: each loads its input, builds a command, runs one
use case (`use_cases/`) and answers through the answer's schema (answers.py), the one the
gateway and the OpenAPI document refer to."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.appointments import catalogue_administration
from services.appointments.answers import (
    AppointmentView,
    Availability,
    CallDisplay,
    DayList,
    DeskBoard,
    LocationView,
    ServiceView,
    Statistics,
    Visit,
)
from services.appointments.booking import HoldRequest
from services.appointments.opening import local_date_of, to_minute
from services.appointments.schemas import (
    BoardInput,
    HoldInput,
    RangeInput,
    WalkInInput,
)
from services.appointments.settings import AppointmentSettings
from services.appointments.use_cases import catalogue, citizens, upkeep
from services.appointments.use_cases import desk as desk_use_cases
from services.common import dead_letter_trail
from services.common import service as common
from services.common.errors import InvalidInput
from services.common.identity import CITIZEN, OFFICE
from services.common.loading import load
from services.common.rpc_entrypoint import rpc
from services.common.timers import every


def now() -> datetime:
    return datetime.now(UTC)


def settings() -> AppointmentSettings:
    return AppointmentSettings.from_config()


# the mixin is reached through its module: `nameko run` would take a class with entrypoints
# in this module's namespace for a service to run
class AppointmentsService(
    catalogue_administration.CatalogueAdministration,
    dead_letter_trail.DeadLetterTrail,
    common.ServiceBase,
):
    name = "appointments"

    # the catalogue

    @rpc(answers=ServiceView, many=True)
    def list_services(self) -> list[dict[str, Any]]:
        return catalogue.list_services(self.db)

    @rpc(answers=LocationView, many=True)
    def list_locations(self) -> list[dict[str, Any]]:
        return catalogue.list_locations(self.db)

    # changing it: catalogue_administration.CatalogueAdministration

    # citizens

    @rpc(answers=Availability)
    def availability(
        self, service: str, date_from: str, date_to: str, location: str | None = None
    ) -> dict[str, Any]:
        days = load(RangeInput, {"date_from": date_from, "date_to": date_to})
        command = catalogue.FindFreeSlots(service, days["date_from"], days["date_to"], location)
        return catalogue.availability(command, self.db, now, settings())

    @rpc(answers=AppointmentView)
    def hold(self, request: dict[str, Any], idempotency_key: str | None = None) -> dict[str, Any]:
        data = load(HoldInput, request)
        citizen = self.caller.subject if self.caller.role == "citizen" else None
        command = citizens.Hold(HoldRequest(**data, citizen=citizen), idempotency_key)
        return citizens.hold(command, self.db, now, settings())

    @rpc(answers=AppointmentView)
    def confirm(self, token: str) -> dict[str, Any]:
        command = citizens.ConfirmByLink(_text(token))
        return citizens.confirm(command, self.db, now, settings())

    @rpc(answers=AppointmentView)
    def view_by_token(self, token: str) -> dict[str, Any]:
        return citizens.view_by_token(citizens.ViewByLink(_text(token)), self.db)

    @rpc(answers=AppointmentView)
    def cancel_by_token(self, token: str) -> dict[str, Any]:
        command = citizens.CancelByLink(_text(token))
        return citizens.cancel_by_token(command, self.db, now, settings())

    @rpc(answers=AppointmentView)
    def reschedule_by_token(
        self, token: str, start: str, challenge: str | None = None
    ) -> dict[str, Any]:
        start_at = _instant(start)
        command = citizens.RescheduleByLink(_text(token), start_at, challenge)
        return citizens.reschedule_by_token(command, self.db, now, settings())

    @rpc(roles=CITIZEN, answers=AppointmentView, many=True)
    def my_appointments(self) -> list[dict[str, Any]]:
        return citizens.my_appointments(citizens.ListMine(self.caller.subject), self.db)

    @rpc(roles=CITIZEN, answers=AppointmentView)
    def confirm_mine(self, appointment_id: str) -> dict[str, Any]:
        command = citizens.ConfirmMine(self._citizen(), _text(appointment_id))
        return citizens.confirm_mine(command, self.db, now, settings())

    @rpc(roles=CITIZEN, answers=AppointmentView)
    def cancel_mine(self, appointment_id: str) -> dict[str, Any]:
        command = citizens.CancelMine(self._citizen(), _text(appointment_id))
        return citizens.cancel_mine(command, self.db, now, settings())

    def _citizen(self) -> str:
        return self.caller.require("citizen").subject

    # the desk

    @rpc(roles=OFFICE, answers=DayList)
    def day_list(self, location: str, date: str) -> dict[str, Any]:
        day = load(RangeInput, {"date_from": date, "date_to": date})["date_from"]
        command = desk_use_cases.ReadDayList(location, day, caller=self.caller)
        return desk_use_cases.day_list(command, self.db)

    @rpc(roles=OFFICE, answers=AppointmentView)
    def desk_action(
        self, appointment_id: str, action: str, desk: int | None = None
    ) -> dict[str, Any]:
        """Check in, call (to `desk`, the calling desk's number), serve, or no-show."""
        # an unknown action is refused before the appointment's id is looked at
        command = desk_use_cases.ActAtDesk(
            action=desk_use_cases.checked_action(action),
            appointment_id=_text(appointment_id),
            desk=desk,
            caller=self.caller,
        )
        return desk_use_cases.desk_action(command, self.db, now)

    @rpc(roles=OFFICE, answers=DeskBoard)
    def desk_board(
        self,
        location: str,
        date: str,
        desk: int,
        section: str = "waiting",
        offset: int = 0,
        limit: int = 50,
    ) -> dict[str, Any]:
        """A location's day at one desk: a count per part of the list (expected, waiting,
        called, served, no_show), one part's visits a page at a time, the visit called to
        this desk, and the wait a newcomer can expect."""
        asked = load(
            BoardInput,
            {
                "location": location,
                "date": date,
                "desk": desk,
                "section": section,
                "offset": offset,
                "limit": limit,
            },
        )
        command = desk_use_cases.ReadBoard(
            asked["location"],
            asked["date"],
            asked["desk"],
            asked["section"],
            asked["offset"],
            asked["limit"],
            caller=self.caller,
        )
        return desk_use_cases.board(command, self.db, now)

    @rpc(roles=OFFICE, answers=Visit)
    def call_next(self, location: str, desk: int) -> dict[str, Any]:
        """Call the visit that has waited first today to `desk`."""
        asked = load(BoardInput, {"location": location, "desk": desk, "date": _today()})
        command = desk_use_cases.CallNext(asked["location"], asked["desk"], caller=self.caller)
        return desk_use_cases.call_next(command, self.db, now)

    @rpc(roles=OFFICE, answers=Visit)
    def issue_walk_in(
        self, location: str, service: str, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """A ticket for a citizen without an appointment, in today's queue, with the wait
        the day's figures let expect. Sent again with its key, it is the same ticket."""
        asked = load(WalkInInput, {"location": location, "service": service})
        command = desk_use_cases.IssueWalkIn(self.caller, **asked, idempotency_key=idempotency_key)
        return desk_use_cases.issue_walk_in(command, self.db, now)

    @rpc(answers=CallDisplay)
    def call_display(self, location: str) -> dict[str, Any]:
        """The calls of the moment at a location: ticket numbers and desks, never a name.
        Open to any caller: it is what the hall's screen shows everyone in the room."""
        command = desk_use_cases.ReadCallDisplay(_text(location))
        return desk_use_cases.call_display(command, self.db, now)

    @rpc(roles=OFFICE, answers=Statistics)
    def statistics(
        self,
        date_from: str,
        date_to: str,
        location: str | None = None,
        service: str | None = None,
    ) -> dict[str, Any]:
        days = load(RangeInput, {"date_from": date_from, "date_to": date_to})
        command = desk_use_cases.ReadFigures(
            date_from,
            date_to,
            days["date_from"],
            days["date_to"],
            location,
            service,
            caller=self.caller,
        )
        return desk_use_cases.statistics(command, self.db)

    @rpc(roles=OFFICE, answers=LocationView, many=True)
    def desk_locations(self) -> list[dict[str, Any]]:
        """The locations whose desks the caller works: an administrator every one, a clerk
        those of their departments and those that name no department."""
        command = desk_use_cases.ListDeskLocations(self.caller)
        return desk_use_cases.desk_locations(command, self.db)

    # timers

    @every(interval=lambda: settings().sweep_interval)
    def sweep(self) -> None:
        """Expire unconfirmed holds and send due reminders (each once, with any instances)."""
        upkeep.sweep(self.db, now, settings())

    @every(interval=lambda: settings().kept_days_rebuild_interval)
    def rebuild_kept_days(self) -> None:
        """Write the open slots kept per day anew from the desk time (see the setting)."""
        upkeep.rebuild_kept_days(self.db, now)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput("Expected a non-empty string.", {"value": ["Not a string."]})
    return value


def _today() -> str:
    return local_date_of(to_minute(now())).isoformat()


def _instant(value: Any) -> datetime:
    return load(HoldInput, {"start": value}, partial=True)["start"]
