"""The portal's appointment pages: the catalogue, booking step by step, and the mailed links.

Booking is one question per page (service, place, day, time, who you are), each a plain
link or GET form, so that the browser's back button and a bookmark work and nothing needs
JavaScript but the proof of work on the last step. The links the platform mails land here:
confirming and managing a booking take the token from the link and act only on a POST,
so a mail scanner that opens links confirms or cancels nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from services.common.errors import InvalidInput, ServiceError
from services.common.identity import CITIZEN
from services.common.local_time import office_today
from services.common.rpc import RemoteService
from services.gateway.challenge import ProofOfWork
from services.gateway.errors import ChallengeFailed, ChallengeRequired
from services.portal.pages import Visit, field_errors, page
from services.portal.rendering import Redirect, Rendered

BOOK = "/appointments/book"
# how far ahead the day page looks for free slots
DAYS_AHEAD = 28
NAME_LIMIT = 200


class AppointmentPages:
    """Mixed into GatewayService, beside the JSON routes."""

    appointments = RemoteService("appointments")
    proof_of_work = ProofOfWork()

    @page("GET", "/")
    def start_page(self, visit: Visit) -> Rendered:
        return Rendered("start.html")

    @page("GET", "/appointments")
    def catalogue_page(self, visit: Visit) -> Rendered:
        locations = self._locations()
        services = [
            {
                **service,
                "minutes": _minutes(service, locations),
                "locations": _serving(service, locations),
            }
            for service in self.appointments.list_services()
        ]
        return Rendered("appointments/catalogue.html", {"services": services})

    @page("GET", "/locations")
    def locations_page(self, visit: Visit) -> Rendered:
        return Rendered("appointments/locations.html", {"locations": self._locations()})

    # booking, one question per page

    @page("GET", BOOK)
    def book_page(self, visit: Visit) -> Rendered | Redirect:
        choice = _choice(visit)
        service = self._service(choice["service"])
        if service is None:
            return Redirect("/appointments")
        if not choice["location"]:
            return Rendered(
                "appointments/choose_location.html",
                {"service": service, "locations": self._offering(service["key"])},
            )
        days = self._free_days(choice["service"], choice["location"])
        if not choice["date"]:
            return Rendered(
                "appointments/choose_day.html",
                {"service": service, "choice": choice, "days": days, "location": self._at(choice)},
            )
        day = next((d for d in days if d["date"] == choice["date"]), None)
        return Rendered(
            "appointments/choose_time.html",
            {"service": service, "choice": choice, "day": day, "location": self._at(choice)},
        )

    @page("GET", f"{BOOK}/details")
    def details_page(self, visit: Visit) -> Rendered | Redirect:
        choice = _choice(visit)
        service = self._service(choice["service"])
        if service is None or not choice["start"]:
            return Redirect(f"{BOOK}?{urlencode({'service': choice['service']})}")
        known = {"name": visit.session.name or "", "email": ""}
        return self._details_page(visit, service, choice, known, {})

    @page("POST", f"{BOOK}/details")
    def hold_page(self, visit: Visit) -> Rendered | Redirect:
        choice = _choice(visit)
        service = self._service(choice["service"])
        entered = {"name": visit.value("name"), "email": visit.value("email")}
        errors = _details_errors(entered)
        if service is None:
            return Redirect("/appointments")
        if not errors:
            try:
                challenge = self.proof_of_work.verify(visit.value("altcha") or None)
                self.appointments.hold(
                    {
                        "service": choice["service"],
                        "location": choice["location"],
                        "start": choice["start"],
                        "language": visit.session.language,
                        "challenge": challenge,
                        **entered,
                    }
                )
                return Redirect("/appointments/check-your-mail")
            except (ChallengeRequired, ChallengeFailed):
                errors = {"altcha": ["error.code.challenge_failed"]}
            except InvalidInput as refused:
                errors = {name: ["form.invalid"] for name in field_errors(refused)}
            except ServiceError as refused:
                errors = {"start": [f"error.code.{refused.code}"]}
        return self._details_page(visit, service, choice, entered, errors, status=400)

    @page("GET", "/appointments/check-your-mail")
    def check_your_mail_page(self, visit: Visit) -> Rendered:
        return Rendered("appointments/check_your_mail.html")

    # the mailed links

    @page("GET", "/appointments/confirm")
    def confirm_link_page(self, visit: Visit) -> Rendered:
        return Rendered("appointments/confirm.html", {"token": visit.value("token")})

    @page("POST", "/appointments/confirm")
    def confirm_page(self, visit: Visit) -> Rendered:
        booked = self.appointments.confirm(visit.value("token"))
        return Rendered("appointments/confirmed.html", {"appointment": booked})

    @page("GET", "/appointments/manage")
    def manage_page(self, visit: Visit) -> Rendered:
        token = visit.value("token")
        booked = self.appointments.view_by_token(token)
        return Rendered("appointments/manage.html", {"appointment": booked, "token": token})

    @page("GET", "/appointments/manage/calendar.ics")
    def calendar_page(self, visit: Visit) -> Response:
        booked = self.appointments.view_by_token(visit.value("token"))
        return Response(
            booked["ics"],
            mimetype="text/calendar",
            headers={"Content-Disposition": 'attachment; filename="appointment.ics"'},
        )

    @page("POST", "/appointments/manage/cancel")
    def cancel_page(self, visit: Visit) -> Redirect:
        token = visit.value("token")
        self.appointments.cancel_by_token(token)
        visit.tell("appointments.cancelled")
        return Redirect(f"/appointments/manage?{urlencode({'token': token})}")

    @page("GET", "/appointments/manage/reschedule")
    def reschedule_choice_page(self, visit: Visit) -> Rendered:
        token = visit.value("token")
        booked = self.appointments.view_by_token(token)
        choice = {"service": booked["service"], "location": booked["location"]}
        days = self._free_days(booked["service"], booked["location"])
        chosen = visit.value("date")
        return Rendered(
            "appointments/reschedule.html",
            {
                "appointment": booked,
                "token": token,
                "days": days,
                "day": next((d for d in days if d["date"] == chosen), None),
                "choice": choice,
                "challenge": self.proof_of_work.issue(),
            },
        )

    @page("POST", "/appointments/manage/reschedule")
    def reschedule_page(self, visit: Visit) -> Rendered | Redirect:
        token = visit.value("token")
        try:
            challenge = self.proof_of_work.verify(visit.value("altcha") or None)
            self.appointments.reschedule_by_token(token, visit.value("start"), challenge)
        except (ChallengeRequired, ChallengeFailed):
            return Rendered("errors/refused.html", {"code": "challenge_failed"}, status=400)
        visit.tell("appointments.rescheduled")
        return Redirect(f"/appointments/manage?{urlencode({'token': token})}")

    # a signed-in citizen's own

    @page("GET", "/appointments/mine", roles=CITIZEN)
    def mine_page(self, visit: Visit) -> Rendered:
        return Rendered(
            "appointments/mine.html", {"appointments": self.appointments.my_appointments()}
        )

    @page("POST", "/appointments/mine/cancel", roles=CITIZEN)
    def cancel_mine_page(self, visit: Visit) -> Redirect:
        self.appointments.cancel_mine(visit.value("appointment_id"))
        visit.tell("appointments.cancelled")
        return Redirect("/appointments/mine")

    # helpers

    def _details_page(self, visit, service, choice, entered, errors, status=200) -> Rendered:
        return Rendered(
            "appointments/details.html",
            {
                "service": service,
                "choice": choice,
                "location": self._at(choice),
                "entered": entered,
                "errors": errors,
                "challenge": self.proof_of_work.issue(),
            },
            status=status,
        )

    def _service(self, key: str) -> dict[str, Any] | None:
        return next((s for s in self.appointments.list_services() if s["key"] == key), None)

    def _locations(self) -> list[dict[str, Any]]:
        return self.appointments.list_locations()

    def _offering(self, service: str) -> list[dict[str, Any]]:
        return [
            location
            for location in self._locations()
            if any(c["service"] == service and c["online_desks"] for c in location["capacities"])
        ]

    def _at(self, choice: dict[str, str]) -> dict[str, Any] | None:
        return next((loc for loc in self._locations() if loc["key"] == choice["location"]), None)

    def _free_days(self, service: str, location: str) -> list[dict[str, Any]]:
        today = office_today()
        answer = self.appointments.availability(
            service, today.isoformat(), (today + timedelta(days=DAYS_AHEAD)).isoformat(), location
        )
        return [
            {**day, "starts": _starts(day)}
            for found in answer["locations"]
            for day in found["days"]
            if day["times"]
        ]


def _minutes(service: dict[str, Any], locations: list[dict[str, Any]]) -> int:
    """How long the service takes where it is quickest (a location's slots set the unit)."""
    lengths = [
        service["duration_units"] * location["slot_minutes"]
        for location in locations
        if any(capacity["service"] == service["key"] for capacity in location["capacities"])
    ]
    return min(lengths, default=service["duration_units"] * 15)


def _serving(service: dict[str, Any], locations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Where a citizen can come for the service: each location with desks for it."""
    return [
        location
        for location in locations
        if any(capacity["service"] == service["key"] for capacity in location["capacities"])
    ]


def _starts(day: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"time": time, "start": f"{day['date']}T{time}:00{day['utc_offset']}"}
        for time in day["times"]
    ]


def _choice(visit: Visit) -> dict[str, str]:
    return {
        name: visit.value(name)[:NAME_LIMIT] for name in ("service", "location", "date", "start")
    }


def _details_errors(entered: dict[str, str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not entered["name"]:
        errors["name"] = ["form.required"]
    elif len(entered["name"]) > NAME_LIMIT:
        errors["name"] = ["form.too_long"]
    if not entered["email"]:
        errors["email"] = ["form.required"]
    elif "@" not in entered["email"].strip("@"):
        errors["email"] = ["form.email"]
    return errors
