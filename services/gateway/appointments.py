"""The appointment routes: finding a slot, booking it, managing it, the desk and the catalogue.

Each route parses (done by `api`), makes one call to the appointments service and answers;
the service owns every rule. Tokens from mailed links travel in POST bodies, never in
URLs, so they stay out of access logs and browser histories.
"""

from __future__ import annotations

from typing import Any

from services.appointments import answers
from services.appointments import errors as booking
from services.common.errors import NotFound
from services.common.identity import CITIZEN, OFFICE
from services.common.rpc import RemoteService
from services.common.transitions import IllegalTransition
from services.gateway import appointment_schemas as schemas
from services.gateway.challenge import ProofOfWork
from services.gateway.errors import ChallengeFailed, ChallengeRequired
from services.gateway.http import SIGN_IN_OPTIONAL, api
from services.gateway.idempotency import idempotency_key, keyed_api

PREFIX = "/api/v1/appointments"
# the desk's verbs in URLs, and the service's names for them
DESK_ACTIONS = {"check-in": "check_in", "call": "call", "serve": "serve", "no-show": "no_show"}
_DESK_ACTION = "<any({}):action>".format(", ".join(f'"{action}"' for action in DESK_ACTIONS))

# what every route that books a slot may answer besides invalid input
_BOOKING_ERRORS = (
    ChallengeRequired,
    ChallengeFailed,
    booking.ChallengeSpent,
    booking.DateInPast,
    booking.OutsideBookingWindow,
    booking.SlotNotOffered,
    booking.SlotTaken,
)
_ONE = {200: "The appointment, as it is now."}


class AppointmentRoutes:
    """Mixed into GatewayService."""

    appointments = RemoteService("appointments")
    proof_of_work = ProofOfWork()

    @api("GET", f"{PREFIX}/services", response=schemas.ServiceList)
    def list_services(self, request) -> dict[str, Any]:
        """The services one can book an appointment for, and what to bring."""
        return {"services": self.appointments.list_services()}

    @api("GET", f"{PREFIX}/locations", response=schemas.LocationList)
    def list_locations(self, request) -> dict[str, Any]:
        """The locations, their opening hours, closed days and desks."""
        return {"locations": self.appointments.list_locations()}

    # not rate-limited: a challenge costs one HMAC to issue, no more than refusing the
    # request would, and counting it against "booking" would halve what a citizen may book
    @api("GET", f"{PREFIX}/challenge", response=schemas.ChallengeView)
    def new_challenge(self, request) -> dict[str, Any]:
        """A proof-of-work challenge (ALTCHA) to solve before booking or rescheduling.

        Point the ALTCHA widget's `challengeurl` here; it sends the solution, which goes
        into the booking's `altcha` field. A solution is good for one booking, until the
        expiry in its salt.
        """
        return self.proof_of_work.issue()

    @api(
        "GET",
        f"{PREFIX}/availability",
        rate_limit="availability",
        query=schemas.AvailabilityQuery,
        response=answers.Availability,
        dump_response=False,
        errors=(
            booking.UnknownService,
            booking.UnknownLocation,
            booking.RangeTooLong,
            booking.DateInPast,
        ),
    )
    def availability(self, request, query: dict[str, Any]) -> dict[str, Any]:
        """The free slots for a service between two days, at one location or at all.

        Per location and local day: the start times and the places free at each. Hold one
        by sending `{date}T{time}:00{utc_offset}` as the hold's `start`.
        """
        return self.appointments.availability(**query)

    @keyed_api(
        "POST",
        f"{PREFIX}/holds",
        roles=SIGN_IN_OPTIONAL,
        rate_limit="booking",
        body=schemas.HoldRequest,
        response=answers.AppointmentView,
        responses={201: "Held; a mail asks to confirm it before `hold_expires_at`."},
        errors=(
            *_BOOKING_ERRORS,
            booking.UnknownService,
            booking.UnknownLocation,
            booking.TooManyAppointments,
        ),
    )
    def hold(self, request, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Hold a slot: the first step of booking, confirmed by the link in a mail.

        Needs a solved challenge (`altcha`). A signed-in citizen books under their account
        and finds the appointment under /mine. A hold sent again with its `Idempotency-Key`
        answers the first hold, even though its challenge is spent by then; without an
        account, the key belongs to the `email` the hold is mailed to.
        """
        challenge = self.proof_of_work.verify(body.pop("altcha", None))
        return 201, self.appointments.hold(
            {**body, "challenge": challenge}, idempotency_key=idempotency_key(request)
        )

    @api(
        "POST",
        f"{PREFIX}/confirmations",
        body=schemas.AppointmentToken,
        response=answers.AppointmentView,
        responses=_ONE,
        errors=(booking.InvalidLink, booking.HoldExpired, IllegalTransition),
    )
    def confirm(self, request, body: dict[str, Any]) -> dict[str, Any]:
        """Confirm a held slot with the token from the mail: the appointment is booked.

        Safe to retry: a confirmed appointment is booked once; the token confirms no more
        (404 `invalid_link`), and the confirmation mail's manage link shows it.
        """
        return self.appointments.confirm(body["token"])

    @api(
        "POST",
        f"{PREFIX}/manage",
        body=schemas.AppointmentToken,
        response=answers.AppointmentView,
        responses=_ONE,
        errors=(booking.InvalidLink,),
    )
    def manage(self, request, body: dict[str, Any]) -> dict[str, Any]:
        """The appointment a manage link's token is for, as it is now, with its calendar file.

        Every manage link mailed for it works: the confirmation's and each rescheduling's.
        A cancelled appointment is still shown (its calendar file cancels the entry); its
        links act no more.

        Safe to retry: it only reads (a POST keeps the token out of URLs and logs).
        """
        return self.appointments.view_by_token(body["token"])

    @api(
        "POST",
        f"{PREFIX}/manage/cancel",
        body=schemas.AppointmentToken,
        response=answers.AppointmentView,
        responses=_ONE,
        errors=(booking.InvalidLink, IllegalTransition),
    )
    def cancel_by_token(self, request, body: dict[str, Any]) -> dict[str, Any]:
        """Cancel the appointment a manage link's token is for.

        Safe to retry: a cancelled appointment stays cancelled; cancelling it again is
        refused (409 `illegal_transition`) and changes nothing.
        """
        return self.appointments.cancel_by_token(body["token"])

    @api(
        "POST",
        f"{PREFIX}/manage/reschedule",
        rate_limit="booking",
        body=schemas.RescheduleRequest,
        response=answers.AppointmentView,
        responses=_ONE,
        errors=(*_BOOKING_ERRORS, booking.InvalidLink, IllegalTransition),
    )
    def reschedule_by_token(self, request, body: dict[str, Any]) -> dict[str, Any]:
        """Move the appointment a manage link's token is for to another slot.

        Needs a solved challenge (`altcha`), as booking does.

        Safe to retry: the appointment keeps one slot whatever comes; a move sent again
        with its spent challenge is refused (400 `challenge_spent`), and POST .../manage
        shows whether the first one moved it.
        """
        challenge = self.proof_of_work.verify(body.get("altcha"))
        return self.appointments.reschedule_by_token(body["token"], body["start"], challenge)

    @api("GET", f"{PREFIX}/mine", roles=CITIZEN, response=schemas.AppointmentList)
    def my_appointments(self, request) -> dict[str, Any]:
        """The signed-in citizen's appointments."""
        return {"appointments": self.appointments.my_appointments()}

    @api(
        "POST",
        f"{PREFIX}/mine/<appointment_id>/confirm",
        roles=CITIZEN,
        response=answers.AppointmentView,
        responses=_ONE,
        errors=(booking.NotYourAppointment, booking.HoldExpired, IllegalTransition),
    )
    def confirm_mine(self, request, appointment_id: str) -> dict[str, Any]:
        """Confirm one of the signed-in citizen's held slots.

        Safe to retry: a confirmed appointment is not confirmed again (409
        `illegal_transition`).
        """
        return self.appointments.confirm_mine(appointment_id)

    @api(
        "POST",
        f"{PREFIX}/mine/<appointment_id>/cancel",
        roles=CITIZEN,
        response=answers.AppointmentView,
        responses=_ONE,
        errors=(booking.NotYourAppointment, IllegalTransition),
    )
    def cancel_mine(self, request, appointment_id: str) -> dict[str, Any]:
        """Cancel one of the signed-in citizen's appointments.

        Safe to retry: a cancelled appointment stays cancelled; cancelling it again is
        refused (409 `illegal_transition`) and changes nothing.
        """
        return self.appointments.cancel_mine(appointment_id)

    @api(
        "GET",
        f"{PREFIX}/desk/<location>/<date>",
        roles=OFFICE,
        response=answers.DayList,
        errors=(booking.UnknownLocation,),
    )
    def day_list(self, request, location: str, date: str) -> dict[str, Any]:
        """A location's appointments on one day (YYYY-MM-DD), in order: the desk's list."""
        return self.appointments.day_list(location, date)

    @api(
        "POST",
        f"{PREFIX}/desk/appointments/<appointment_id>/{_DESK_ACTION}",
        roles=OFFICE,
        response=answers.AppointmentView,
        responses=_ONE,
        errors=(NotFound, IllegalTransition),
    )
    def desk_action(self, request, appointment_id: str, action: str) -> dict[str, Any]:
        """Move an appointment along at the desk: check in, call, serve, or no-show.

        Safe to retry: checking in, serving and no-show are refused once done (409
        `illegal_transition`); a call sent again calls the citizen once more, as a second
        press at the desk does.
        """
        return self.appointments.desk_action(appointment_id, DESK_ACTIONS[action])

    @api(
        "GET",
        f"{PREFIX}/statistics",
        roles=OFFICE,
        query=schemas.StatisticsQuery,
        response=answers.Statistics,
        errors=(booking.UnknownLocation, booking.UnknownService, booking.RangeTooLong),
    )
    def statistics(self, request, query: dict[str, Any]) -> dict[str, Any]:
        """Bookings, cancellations, no-shows and lead times per service and location."""
        return self.appointments.statistics(**query)

    @api(
        "PUT",
        f"{PREFIX}/catalogue/services/<key>",
        roles=OFFICE,
        body=answers.ServiceDefinition,
        response=answers.ServiceView,
    )
    def put_service(self, request, body: dict[str, Any], key: str) -> dict[str, Any]:
        """Create or replace a bookable service."""
        return self.appointments.put_service(key, body)

    @api(
        "PUT",
        f"{PREFIX}/catalogue/locations/<key>",
        roles=OFFICE,
        body=answers.LocationDefinition,
        response=answers.LocationView,
        errors=(booking.SlotLengthInUse,),
    )
    def put_location(self, request, body: dict[str, Any], key: str) -> dict[str, Any]:
        """Create or replace a location: its address, opening hours and closed days."""
        return self.appointments.put_location(key, body)

    @api(
        "PUT",
        f"{PREFIX}/catalogue/locations/<location>/capacities/<service>",
        roles=OFFICE,
        body=schemas.CapacityDefinition,
        response=answers.CapacityView,
        errors=(booking.UnknownLocation, booking.UnknownService),
    )
    def put_capacity(
        self, request, body: dict[str, Any], location: str, service: str
    ) -> dict[str, Any]:
        """How many desks of a location serve a service, and how many of them take bookings."""
        return self.appointments.put_capacity(location, service, body)
