"""Ratings of visits and cases: the invitation when one is over, the page it links to, and
the one rating each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common.clock import Clock
from services.common.context import Caller
from services.common.database import UnitOfWork
from services.common.events import Event
from services.feedback import ratings
from services.feedback.use_cases.setting import Setting


@dataclass(frozen=True)
class Invite:
    """A visit or a case is over (the event that says so): invite its citizen to rate it."""

    event: Event
    subject_kind: str  # visit or case
    subject_id: str
    service: str
    location: str | None


def invite(command: Invite, uow: UnitOfWork, clock: Clock, setting: Setting) -> None:
    """Invite the citizen the event names to rate what it is about, once."""
    payload = command.event.payload
    named = {key: payload[key] for key in ("citizen", "email", "language")}
    # both events name the service in the citizen's language, under their own keys
    service_name = payload.get("service_name") or payload["type_name"]
    subject = {
        "subject_kind": command.subject_kind,
        "subject_id": str(command.subject_id),
        "service": command.service,
        "service_name": service_name,
        "location": command.location,
        **named,
    }
    with uow.transaction(handling=command.event) as tx:
        ratings.invite(tx, subject, setting.settings, clock())


def visit_completed(event: Event) -> Invite:
    visit = event.payload
    return Invite(event, "visit", visit["appointment_id"], visit["service"], visit["location"])


def case_closed(event: Event) -> Invite | None:
    """The invitation a case's status change brings, or None while the case is open."""
    case = event.payload
    # the case's type decides what closes it; the event says so
    if not case["closed"]:
        return None
    return Invite(event, "case", case["case_id"], case["application_type"], None)


@dataclass(frozen=True)
class ShowInvitation:
    caller: Caller
    token: str


def rating_invitation(command: ShowInvitation, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    """What the invitation's link asks to rate (for the rating page)."""
    with uow.transaction() as tx:
        invitation = ratings.find_invitation(
            tx.session, command.caller, {"token": command.token}, clock()
        )
        return ratings.invitation_view(tx.session, invitation)


@dataclass(frozen=True)
class Rate:
    caller: Caller
    data: dict[str, Any]  # as loaded by RatingInput


def rate(command: Rate, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
    data = command.data
    score = ratings.checked_score(data["score"])
    with uow.transaction() as tx:
        invitation = ratings.find_invitation(tx.session, command.caller, data, clock())
        return ratings.rate(tx, invitation, score, data["comment"], clock())
