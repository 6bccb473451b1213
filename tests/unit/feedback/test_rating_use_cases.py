"""A visit or a case that is over brings an invitation to rate it, once; the citizen rates
it once, within the invitation's time. Use cases on a fake unit of work: no broker, no
database server."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from services.common.database import EventAlreadyHandled
from services.common.events import Event
from services.feedback.errors import (
    AlreadyRated,
    InvitationExpired,
    InvitationNotFound,
    RatingOutOfRange,
)
from services.feedback.use_cases import ratings as rating_cases
from tests.unit.feedback.world import ANNA, NOBODY, World

VISIT = "6f1c0d7e-8a34-4c55-9a57-4a0bb1a1d101"
CASE = "6f1c0d7e-8a34-4c55-9a57-4a0bb1a1d202"


@pytest.fixture
def world(fake_uow) -> World:
    return World(fake_uow)


def completed_visit(citizen: str | None = "anna", email: str | None = "anna@example.org"):
    return Event(
        type="appointment_completed",
        payload={
            "appointment_id": VISIT,
            "service": "passport",
            "service_name": "Reisepass",
            "location": "rathaus",
            "citizen": citizen,
            "email": email,
            "language": "de",
        },
    )


def case_changed(closed: bool) -> Event:
    return Event(
        type="application_status_changed",
        payload={
            "case_id": CASE,
            "application_type": "dog_tax",
            "type_name": "Hundesteuer",
            "status": "approved" if closed else "in_review",
            "closed": closed,
            "citizen": "anna",
            "email": "anna@example.org",
            "language": "de",
        },
    )


def invite(world: World, command) -> None:
    rating_cases.invite(command, world.uow, world.clock, world.setting)


def token_of(world: World) -> str:
    [invited] = world.uow.payloads_of("rating_invited")
    return parse_qs(urlparse(invited["rate_url"]).query)["token"][0]


def rate(world: World, score, token=None, caller=NOBODY, **data) -> dict:
    asked = {"token": token, "subject_kind": None, "subject_id": None, "comment": None, **data}
    command = rating_cases.Rate(caller, {**asked, "score": score})
    return rating_cases.rate(command, world.uow, world.clock)


def test_a_completed_visit_invites_its_citizen_to_rate_it(world):
    invite(world, rating_cases.visit_completed(completed_visit()))

    [invited] = world.uow.payloads_of("rating_invited")
    assert invited["subject_kind"] == "visit" and invited["subject_id"] == VISIT
    assert invited["service_name"] == "Reisepass" and invited["email"] == "anna@example.org"
    assert invited["rate_url"].startswith("http://127.0.0.1:8000/feedback/rate?token=")
    assert invited["expires_at"].startswith("2026-07-01")


def test_a_visit_redelivered_is_invited_once(world):
    event = completed_visit()

    invite(world, rating_cases.visit_completed(event))
    with pytest.raises(EventAlreadyHandled):
        invite(world, rating_cases.visit_completed(event))

    assert world.uow.published_types() == ["rating_invited"]


def test_a_visit_again_under_another_event_is_not_invited_twice(world):
    invite(world, rating_cases.visit_completed(completed_visit()))
    invite(world, rating_cases.visit_completed(completed_visit()))

    assert world.uow.published_types() == ["rating_invited"]


def test_a_visit_of_nobody_to_write_to_invites_nobody(world):
    invite(world, rating_cases.visit_completed(completed_visit(citizen=None, email=None)))

    assert world.uow.published == [] and world.uow.commits == 1


def test_a_case_still_open_brings_no_invitation():
    assert rating_cases.case_closed(case_changed(closed=False)) is None


def test_a_closed_case_invites_to_rate_it_under_its_types_name(world):
    invite(world, rating_cases.case_closed(case_changed(closed=True)))

    [invited] = world.uow.payloads_of("rating_invited")
    assert (invited["subject_kind"], invited["service"]) == ("case", "dog_tax")
    assert invited["service_name"] == "Hundesteuer" and invited["location"] is None


def test_the_invitation_link_shows_what_to_rate(world):
    invite(world, rating_cases.visit_completed(completed_visit()))

    shown = rating_cases.rating_invitation(
        rating_cases.ShowInvitation(NOBODY, token_of(world)), world.uow, world.clock
    )

    assert shown["subject_id"] == VISIT and shown["rated"] is False


def test_a_rating_by_the_link_is_kept_without_the_account_and_published(world):
    invite(world, rating_cases.visit_completed(completed_visit()))
    token = token_of(world)
    world.forget_published()

    rated = rate(world, 5, token, comment="Schnell und freundlich")

    assert rated["score"] == 5 and rated["service_name"] == "Reisepass"
    [payload] = world.uow.payloads_of("feedback_rating_received")
    assert payload["rating_id"] == rated["id"] and "citizen" not in payload


def test_a_second_rating_of_the_same_visit_is_refused(world):
    invite(world, rating_cases.visit_completed(completed_visit()))
    token = token_of(world)
    rate(world, 4, token)
    world.forget_published()

    with pytest.raises(AlreadyRated) as refused:
        rate(world, 2, token)

    assert refused.value.code == "already_rated" and world.uow.published == []


def test_a_signed_in_citizen_rates_their_visit_by_its_id(world):
    invite(world, rating_cases.visit_completed(completed_visit()))

    rated = rate(world, 3, caller=ANNA, subject_kind="visit", subject_id=VISIT)

    assert rated["subject_id"] == VISIT


def test_a_score_outside_one_to_five_is_refused(world):
    with pytest.raises(RatingOutOfRange):
        rate(world, 6, "whatever")
    with pytest.raises(RatingOutOfRange):
        rate(world, True, "whatever")


def test_an_unknown_link_is_not_found(world):
    with pytest.raises(InvitationNotFound):
        rate(world, 5, "no-such-token")


def test_an_invitation_past_its_days_has_expired(world):
    invite(world, rating_cases.visit_completed(completed_visit()))
    token = token_of(world)
    world.clock.advance(days=31)

    with pytest.raises(InvitationExpired) as refused:
        rate(world, 5, token)

    assert refused.value.code == "invitation_expired"
