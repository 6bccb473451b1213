"""The appointments service's entrypoints: each loads its input, runs one use case, answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.appointments import (
    availability,
    booking,
    catalogue_admin,
    catalogue_administration,
    desk_board,
    lifecycle,
    views,
    walk_ins,
)
from services.appointments import desk as front_desk
from services.appointments.errors import NotYourAppointment
from services.appointments.models import AppointmentRow
from services.appointments.opening import local_date_of, to_minute
from services.appointments.schemas import (
    BoardInput,
    HoldInput,
    RangeInput,
    WalkInInput,
)
from services.appointments.settings import AppointmentSettings
from services.common import challenges, dead_letter_trail
from services.common import service as common
from services.common.database import Transaction
from services.common.errors import InvalidInput
from services.common.idempotency import Once
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

    @rpc
    def list_services(self) -> list[dict[str, Any]]:
        with self.db.transaction() as tx:
            return catalogue_admin.list_offers(tx)

    @rpc
    def list_locations(self) -> list[dict[str, Any]]:
        with self.db.transaction() as tx:
            return catalogue_admin.list_locations(tx)

    # changing it: catalogue_administration.CatalogueAdministration

    # citizens

    @rpc
    def availability(
        self, service: str, date_from: str, date_to: str, location: str | None = None
    ) -> dict[str, Any]:
        days = load(RangeInput, {"date_from": date_from, "date_to": date_to})
        with self.db.transaction() as tx:
            return availability.availability(
                tx, service, days["date_from"], days["date_to"], location, settings(), now()
            )

    @rpc
    def hold(self, request: dict[str, Any], idempotency_key: str | None = None) -> dict[str, Any]:
        data = load(HoldInput, request)
        citizen = self.caller.subject if self.caller.role == "citizen" else None
        once = Once(
            self.db.transaction,
            booking.hold_keyed(data, citizen, idempotency_key),
            lambda tx, appointment_id: views.view(
                views.Booked.load(tx.session, tx.session.get(AppointmentRow, appointment_id))
            ),
        )
        if (earlier := once.earlier()) is not None:
            return earlier
        hold_request = booking.HoldRequest(**data, citizen=citizen)
        return once.make(lambda tx: booking.hold(tx, hold_request, settings(), now()).row.id)

    @rpc
    def confirm(self, token: str) -> dict[str, Any]:
        with self.db.transaction() as tx:
            return views.view(
                booking.confirm(tx, _text(token), settings(), now()), with_calendar=True
            )

    @rpc
    def view_by_token(self, token: str) -> dict[str, Any]:
        with self.db.transaction() as tx:
            row = booking.by_manage_token(tx.session, _text(token))
            return views.view(views.Booked.load(tx.session, row), with_calendar=True)

    @rpc
    def cancel_by_token(self, token: str) -> dict[str, Any]:
        with self.db.transaction() as tx:
            row = booking.by_manage_token(tx.session, _text(token))
            return views.view(booking.cancel(tx, row, settings(), now()))

    @rpc
    def reschedule_by_token(
        self, token: str, start: str, challenge: str | None = None
    ) -> dict[str, Any]:
        start_at = _instant(start)
        with self.db.transaction() as tx:
            row = booking.by_manage_token(tx.session, _text(token))
            moved = booking.reschedule(tx, row, start_at, challenge, settings(), now())
            return views.view(moved, with_calendar=True)

    @rpc(roles=CITIZEN)
    def my_appointments(self) -> list[dict[str, Any]]:
        citizen = self.caller.subject
        with self.db.transaction() as tx:
            return [views.view(booked) for booked in booking.of_citizen(tx.session, citizen)]

    @rpc(roles=CITIZEN)
    def confirm_mine(self, appointment_id: str) -> dict[str, Any]:
        with self.db.transaction() as tx:
            row = self._mine(tx, appointment_id)
            return views.view(booking.confirm_held(tx, row, settings(), now()), with_calendar=True)

    @rpc(roles=CITIZEN)
    def cancel_mine(self, appointment_id: str) -> dict[str, Any]:
        with self.db.transaction() as tx:
            row = self._mine(tx, appointment_id)
            return views.view(booking.cancel(tx, row, settings(), now()))

    def _mine(self, tx: Transaction, appointment_id: str) -> AppointmentRow:
        citizen = self.caller.require("citizen").subject
        row = tx.session.get(AppointmentRow, _text(appointment_id), with_for_update=True)
        if row is None or row.citizen != citizen:
            raise NotYourAppointment("You have no appointment with that id.")
        return row

    # the desk

    @rpc(roles=OFFICE)
    def day_list(self, location: str, date: str) -> dict[str, Any]:
        day = load(RangeInput, {"date_from": date, "date_to": date})["date_from"]
        with self.db.transaction() as tx:
            listed = front_desk.day_list(tx, location, day)
            return {
                "location": location,
                "date": day.isoformat(),
                "appointments": [views.view(booked) for booked in listed],
            }

    @rpc(roles=OFFICE)
    def desk_action(
        self, appointment_id: str, action: str, desk: int | None = None
    ) -> dict[str, Any]:
        """Check in, call (to `desk`, the calling desk's number), serve, or no-show."""
        if action not in lifecycle.DESK_ACTIONS:
            raise InvalidInput("No such desk action.", {"action": list(lifecycle.DESK_ACTIONS)})
        with self.db.transaction() as tx:
            return views.view(front_desk.act(tx, _text(appointment_id), action, now(), desk))

    @rpc(roles=OFFICE)
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
        with self.db.transaction() as tx:
            return desk_board.board(
                tx,
                asked["location"],
                asked["date"],
                asked["desk"],
                asked["section"],
                asked["offset"],
                asked["limit"],
                now(),
            )

    @rpc(roles=OFFICE)
    def call_next(self, location: str, desk: int) -> dict[str, Any]:
        """Call the visit that has waited first today to `desk`."""
        asked = load(BoardInput, {"location": location, "desk": desk, "date": _today()})
        with self.db.transaction() as tx:
            called = front_desk.call_next(tx, asked["location"], asked["desk"], now())
            return desk_board.visit(tx, called.row.id)

    @rpc(roles=OFFICE)
    def issue_walk_in(
        self, location: str, service: str, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """A ticket for a citizen without an appointment, in today's queue, with the wait
        the day's figures let expect. Sent again with its key, it is the same ticket."""
        asked = load(WalkInInput, {"location": location, "service": service})
        once = Once(
            self.db.transaction,
            walk_ins.keyed(self.caller.subject or "", location, service, idempotency_key),
            desk_board.visit,
        )
        if (earlier := once.earlier()) is not None:
            return earlier
        return once.make(lambda tx: walk_ins.issue(tx, **asked, now=now()).id)

    @rpc
    def call_display(self, location: str) -> dict[str, Any]:
        """The calls of the moment at a location: ticket numbers and desks, never a name.
        Open to any caller: it is what the hall's screen shows everyone in the room."""
        with self.db.transaction() as tx:
            return desk_board.display(tx, _text(location), local_date_of(to_minute(now())))

    @rpc(roles=OFFICE)
    def statistics(
        self,
        date_from: str,
        date_to: str,
        location: str | None = None,
        service: str | None = None,
    ) -> dict[str, Any]:
        days = load(RangeInput, {"date_from": date_from, "date_to": date_to})
        with self.db.transaction() as tx:
            rows = front_desk.figures(tx, days["date_from"], days["date_to"], location, service)
        return {"date_from": date_from, "date_to": date_to, "rows": rows}

    # timers

    @every(interval=lambda: settings().sweep_interval)
    def sweep(self) -> None:
        """Expire unconfirmed holds and send due reminders (each once, with any instances)."""
        moment = now()
        with self.db.transaction() as tx:
            booking.expire_holds(tx, moment)
        with self.db.transaction() as tx:
            booking.send_reminders(tx, settings(), moment)
        with self.db.transaction() as tx:
            booking.forget_spent_challenges(tx.session, moment - challenges.SPENT_KEPT)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInput("Expected a non-empty string.", {"value": ["Not a string."]})
    return value


def _today() -> str:
    return local_date_of(to_minute(now())).isoformat()


def _instant(value: Any) -> datetime:
    return load(HoldInput, {"start": value}, partial=True)["start"]
