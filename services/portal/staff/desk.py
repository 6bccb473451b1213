"""The desk (`/staff/desk`): a location's day at one desk, the hall's call display, and the
figures.

The clerk chooses a location and their desk once; both stay in the page's address, so a
bookmark or a reload opens the same desk all day. The list comes in parts (expected,
waiting, called, served, no-show), each move a plain form that comes back to the list, so
the desk works without JavaScript; with it (staff_desk.js), the list follows every desk's
moves live, each move is one key, and nothing reloads. A walk-in gets a ticket in the same
queue, told the wait the day's figures let expect.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Response

from services.common.errors import ServiceError
from services.common.identity import OFFICE
from services.common.local_time import OFFICE_TIMEZONE, office_today
from services.common.rpc import RemoteService
from services.portal.pages import PageForbidden, Visit, page
from services.portal.rendering import Redirect, Rendered
from services.portal.staff import desk_charts, desk_display
from services.portal.staff.desk_live import desk_changes, desk_stream

DESK = "/staff/desk"
SECTIONS = ("expected", "waiting", "called", "served", "no_show")
PAGE_SIZE = 25
MAX_DESK = 100
# the moves a row of each part of the list offers; the visit at the desk offers the rest
ROW_ACTIONS = {
    "expected": ("check_in", "no_show"),
    "waiting": ("call",),
    "called": ("serve", "no_show", "call"),
    "served": (),
    "no_show": (),
}
STATISTICS_DAYS = 7


class DeskPages:
    """Mixed into GatewayService, beside the citizens' pages."""

    appointments = RemoteService("appointments")

    @page("GET", DESK, roles=OFFICE)
    def desk_page(self, visit: Visit) -> Rendered:
        location, desk = visit.value("location"), visit.value("desk")
        if not (location and desk.isdigit() and 1 <= int(desk) <= MAX_DESK):
            return self._choose_page(visit, asked=bool(location or desk))
        section = visit.value("section")
        section = section if section in SECTIONS else "waiting"
        number = _page_number(visit.value("page"))
        try:
            board = self.appointments.desk_board(
                location, _today(), int(desk), section, (number - 1) * PAGE_SIZE, PAGE_SIZE
            )
        except ServiceError as refused:
            if refused.code not in ("no_such_desk", "unknown_location"):
                raise
            return self._choose_page(visit, asked=True)
        board["visits"] = [_with_clocks(shown) for shown in board["visits"]]
        board["at_desk"] = board["at_desk"] and _with_clocks(board["at_desk"])
        return Rendered(
            "staff/desk/board.html",
            {
                "board": board,
                "sections": SECTIONS,
                "row_actions": ROW_ACTIONS[section],
                "page_number": number,
                "pages": max(1, -(-board["counts"][section] // PAGE_SIZE)),
                "issued": {"ticket": visit.value("issued"), "wait": visit.value("wait")},
                "walk_in_key": str(uuid.uuid4()),
            },
        )

    def _choose_page(self, visit: Visit, asked: bool) -> Rendered:
        """Which location and desk: the question, with what was wrong when one was asked."""
        options = [(place["key"], place["name"]) for place in self._desk_locations()]
        # with no location to work, there is nothing to choose wrong
        errors = {"desk": ["staff.desk.error.desk"]} if asked and options else {}
        return Rendered(
            "staff/desk/choose.html",
            {
                "options": options,
                "asked": visit.value("location"),
                "desk": visit.value("desk"),
                "errors": errors,
            },
            status=400 if errors else 200,
        )

    @page("POST", f"{DESK}/act", roles=OFFICE)
    def desk_act_page(self, visit: Visit) -> Redirect:
        back = _back(visit)
        try:
            self.appointments.desk_action(
                visit.value("appointment_id"), visit.value("action"), _desk_of(visit)
            )
            visit.tell(f"staff.desk.notice.{visit.value('action')}")
        except ServiceError as refused:
            visit.tell(_refusal(refused))
        return Redirect(back)

    @page("POST", f"{DESK}/call-next", roles=OFFICE)
    def desk_call_next_page(self, visit: Visit) -> Redirect:
        try:
            self.appointments.call_next(visit.value("location"), _desk_of(visit))
            visit.tell("staff.desk.notice.call")
        except ServiceError as refused:
            visit.tell(_refusal(refused))
        return Redirect(_back(visit))

    @page("POST", f"{DESK}/walk-in", roles=OFFICE)
    def desk_walk_in_page(self, visit: Visit) -> Redirect:
        try:
            ticket = self.appointments.issue_walk_in(
                visit.value("location"),
                visit.value("service"),
                idempotency_key=visit.value("idempotency_key") or None,
            )
        except ServiceError as refused:
            visit.tell(_refusal(refused))
            return Redirect(_back(visit))
        issued = {"issued": ticket["ticket_label"], "wait": ticket["wait_minutes"]}
        return Redirect(f"{_back(visit)}&{urlencode(issued)}")

    @page("GET", f"{DESK}/display/<location>")
    def desk_display_page(self, visit: Visit, location: str) -> Rendered | Response:
        offered = visit.request.args.get("key")
        if offered is not None and desk_display.key_matches(location, offered):
            return desk_display.kept_for(location, offered)
        office = visit.session.signed_in and visit.session.role in OFFICE
        if not (office or desk_display.shows(visit.request, location)):
            raise PageForbidden("This display has no key for its location.")
        return Rendered(
            "staff/desk/display.html", {"shown": self.appointments.call_display(location)}
        )

    @desk_changes
    def relay_desk_changes(self, body) -> None:
        """Never called: each change goes to this instance's desk streams without a worker."""

    @desk_stream(f"{DESK}/<location>/events")
    def desk_events(self, request, location: str) -> None:
        """Never called: a location's queue changes stream without a worker (desk_live.py)."""

    @page("GET", f"{DESK}/statistics", roles=OFFICE)
    def desk_statistics_page(self, visit: Visit) -> Rendered:
        locations = self._desk_locations()
        keys = [location["key"] for location in locations]
        if not keys:  # a clerk whose departments look after no location
            return Rendered("staff/desk/statistics.html", {"locations": []})
        location = visit.value("location") if visit.value("location") in keys else keys[0]
        last = _date_or(visit.value("date_to"), date.fromisoformat(_today()))
        first = _date_or(visit.value("date_from"), last - timedelta(days=STATISTICS_DAYS - 1))
        first, last = min(first, last), max(first, last)
        rows = self.appointments.statistics(first.isoformat(), last.isoformat(), location)["rows"]
        names = {service["key"]: service["name"] for service in self.appointments.list_services()}
        rows = [{**row, "service_name": names.get(row["service"], row["service"])} for row in rows]
        return Rendered(
            "staff/desk/statistics.html",
            {
                "locations": locations,
                "location": location,
                "date_from": first.isoformat(),
                "date_to": last.isoformat(),
                "rows": rows,
                "counts_chart": desk_charts.counts_chart(rows),
                "waits_chart": desk_charts.waits_chart(rows),
            },
        )

    def _desk_locations(self) -> list[dict[str, Any]]:
        return [
            {
                "key": location["key"],
                "name": location["name"],
                "desks": max([c["desks"] for c in location["capacities"]] + [1]),
            }
            for location in self.appointments.desk_locations()  # those the clerk works
        ]


def _with_clocks(shown: dict[str, Any]) -> dict[str, Any]:
    """A visit with its times as the office's clock reads them (10:15)."""
    return {
        **shown,
        "start_clock": _clock(shown["start"]),
        "arrived_clock": _clock(shown["checked_in_at"]),
        "called_clock": _clock(shown["called_at"]),
        "finished_clock": _clock(shown["finished_at"]),
    }


def _clock(instant: str | None) -> str:
    if instant is None:
        return ""
    return datetime.fromisoformat(instant).astimezone(OFFICE_TIMEZONE).strftime("%H:%M")


def _desk_of(visit: Visit) -> int | None:
    desk = visit.value("desk")
    return int(desk) if desk.isdigit() else None


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and int(value) >= 1 else 1


def _board_query(location: str, desk: int | str, section: str, number: int) -> str:
    asked = {"location": location, "desk": desk, "section": section}
    if number > 1:
        asked["page"] = number
    return urlencode(asked)


def _back(visit: Visit) -> str:
    """The desk's list a form came from."""
    section = visit.value("section")
    return f"{DESK}?" + _board_query(
        visit.value("location"),
        visit.value("desk"),
        section if section in SECTIONS else "waiting",
        _page_number(visit.value("page")),
    )


def _refusal(refused: ServiceError) -> str:
    known = ("illegal_transition", "nobody_waiting", "no_such_desk", "unknown_service")
    return f"staff.desk.refused.{refused.code if refused.code in known else 'other'}"


def _today() -> str:
    """The office's day, as the desk's list and the figures count it."""
    return office_today().isoformat()


def _date_or(value: str, default: date) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return default
