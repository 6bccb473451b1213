"""Ratings: a completed visit or a completed case invites the citizen to rate it, once."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from services.feedback.errors import (
    AlreadyRated,
    InvitationNotFound,
    RatingOutOfRange,
)
from tests.support.clients import as_caller, cluster_client
from tests.support.feedback import completed_visit, rating_token, visit_completed
from tests.support.publishing import publish


def test_a_completed_visit_invites_once_and_takes_one_rating(feedback, feedback_events):
    visit = completed_visit(citizen=None)  # booked without an account
    publish("appointments", "appointment_completed", visit)
    publish("appointments", "appointment_completed", visit)  # at least once: again
    token = rating_token(feedback_events, visit["appointment_id"])

    with cluster_client() as anyone:
        asked = anyone.feedback.rating_invitation(token)
        assert asked["service_name"] == "Personalausweis beantragen" and not asked["rated"]
        for score in (0, 6, 2.5, "5", True):
            with pytest.raises(RatingOutOfRange):
                anyone.feedback.rate({"token": token, "score": score})
        rated = anyone.feedback.rate(
            {"token": token, "score": 4, "comment": "Schnell, freundlich."}
        )
        with pytest.raises(AlreadyRated):
            anyone.feedback.rate({"token": token, "score": 1})
        assert anyone.feedback.rating_invitation(token)["rated"] is True

    assert rated["score"] == 4 and rated["location"] == "town-hall"
    received = feedback_events.wait_for_one("feedback_rating_received", rating_id=rated["id"])
    assert received["payload"]["score"] == 4
    assert len(feedback_events.of_type("rating_invited")) == 1


def test_a_completed_case_invites_the_signed_in_citizen(feedback, feedback_events):
    case_id = str(uuid.uuid4())
    base = {
        "case_id": case_id,
        "case_number": "2026-BPA-000001",
        "application_type": "bewohnerparkausweis",
        "type_name": "Bewohnerparkausweis",
        "citizen": "anna",
        "email": "anna@example.org",
        "language": "de",
        "status_text": "...",
        "inform_citizen": True,
    }
    publish(
        "applications",
        "application_status_changed",
        {**base, "status": "approved", "closed": False},
    )
    publish(
        "applications",
        "application_status_changed",
        {**base, "status": "completed", "closed": True},
    )
    feedback_events.wait_for_one("rating_invited", subject_id=case_id)
    assert len(feedback_events.of_type("rating_invited")) == 1  # not for "approved"

    with as_caller("citizen", "ben") as ben, pytest.raises(InvitationNotFound):
        ben.feedback.rate({"subject_kind": "case", "subject_id": case_id, "score": 5})
    with as_caller("citizen", "anna") as anna:
        rated = anna.feedback.rate({"subject_kind": "case", "subject_id": case_id, "score": 5})
    assert rated["service"] == "bewohnerparkausweis"


def test_figures_average_ratings_per_service_and_location(feedback, feedback_events):
    scores = {"town-hall": [5, 3], "ostenhellweg": [2]}
    for location, given in scores.items():
        for score in given:
            token = rating_token(feedback_events, visit_completed(location=location))
            with cluster_client() as anyone:
                anyone.feedback.rate({"token": token, "score": score})
    with as_caller("clerk", "clara") as clara:
        figures = clara.feedback.figures({"from": date.today().isoformat()})

    averages = {r["location"]: (r["ratings"], r["average"]) for r in figures["ratings"]}
    assert averages == {"town-hall": (2, 4.0), "ostenhellweg": (1, 2.0)}
    assert all(r["service"] == "id-card" for r in figures["ratings"])
