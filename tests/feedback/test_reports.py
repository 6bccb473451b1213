"""Citizens report problems in town over RPC; the public sees them without who reported."""

from __future__ import annotations

import pytest

from services.feedback.errors import (
    AlreadyCounted,
    InvalidAnswers,
    LocationOutsideTown,
    PhotoNotAllowed,
    TooManyPhotos,
    UnknownCategory,
)
from tests.support.clients import as_caller, cluster_client
from tests.support.feedback import DORTMUND, MARKET, ROADS, photo, report
from tests.support.waiting import wait_for


def test_a_report_is_public_without_who_made_it_and_with_a_blurred_place(
    feedback, feedback_events, portal_of
):
    photos = [photo(portal_of, "anna", b"1"), photo(portal_of, "anna", b"2")]
    with as_caller("citizen", "anna") as anna:
        mine = anna.feedback.submit_report(
            report(photos=photos, name="Anna S.", email="anna@example.org")
        )

    assert mine["status"] == "submitted" and mine["mine"] is True
    assert (mine["exact_latitude"], mine["exact_longitude"]) == MARKET
    assert mine["photos"] == photos
    with cluster_client() as public:
        seen = public.feedback.get_item(mine["id"])
    assert seen["author_name"] == "Anna S."
    assert "author" not in seen and "email" not in seen and "photos" not in seen
    assert "exact_latitude" not in seen
    # snapped to a 50 m grid: near, but not the place
    assert (seen["latitude"], seen["longitude"]) != MARKET
    assert (
        abs(seen["latitude"] - MARKET[0]) < 0.0005 and abs(seen["longitude"] - MARKET[1]) < 0.0008
    )
    assert seen["photo_count"] == 2
    event = feedback_events.wait_for_one("report_submitted", item_id=mine["id"])
    assert event["payload"]["department"] == "roads"
    assert event["payload"]["recipients"] == [
        {"citizen": "anna", "email": "anna@example.org", "language": "de"}
    ]


def test_an_anonymous_report_shows_no_name(feedback):
    with as_caller("citizen", "anna") as anna:
        mine = anna.feedback.submit_report(report(name="Anna S.", anonymous=True))
    with cluster_client() as public:
        assert public.feedback.get_item(mine["id"])["author_name"] is None


def test_a_place_outside_the_town_is_refused(feedback):
    with as_caller("citizen", "anna") as anna, pytest.raises(LocationOutsideTown):
        anna.feedback.submit_report(report(place=DORTMUND))


def test_the_category_and_its_questions_are_checked(feedback):
    with as_caller("citizen", "anna") as anna:
        with pytest.raises(UnknownCategory):
            anna.feedback.submit_report(report(category="mobility"))  # an idea's category
        with pytest.raises(InvalidAnswers) as refused:
            anna.feedback.submit_report(report(answers={"fault": "exploded", "colour": "red"}))
    assert set(refused.value.details) == {"fault", "colour"}


def test_photos_are_the_citizens_own_report_photos_and_at_most_five(feedback, portal_of):
    bens = photo(portal_of, "ben")
    with as_caller("citizen", "anna") as anna:
        with pytest.raises(PhotoNotAllowed):
            anna.feedback.submit_report(report(photos=[bens]))
        with pytest.raises(TooManyPhotos):
            anna.feedback.submit_report(
                report(photos=[photo(portal_of, "anna", bytes([n])) for n in range(6)])
            )


def test_nearby_open_reports_are_offered_and_me_too_counts_once(feedback):
    with as_caller("citizen", "anna") as anna:
        first = anna.feedback.submit_report(report())
        anna.feedback.submit_report(report(category="pothole"))
    with as_caller("citizen", "ben") as ben:
        close_by = (MARKET[0] + 0.0003, MARKET[1])  # about 33 m north
        offered = ben.feedback.nearby_reports(
            {"category": "streetlight", "latitude": close_by[0], "longitude": close_by[1]}
        )
        assert [o["id"] for o in offered] == [first["id"]]
        far = ben.feedback.nearby_reports(
            {"category": "streetlight", "latitude": MARKET[0] + 0.01, "longitude": MARKET[1]}
        )
        assert far == []
        counted = ben.feedback.me_too(first["id"], {"email": "ben@example.org"})
        assert counted["me_too"] == 1 and counted["following"] is True
        with pytest.raises(AlreadyCounted):
            ben.feedback.me_too(first["id"])


def test_the_photos_are_filed_under_the_report_for_the_office_only(feedback, portal_of):
    photos = [photo(portal_of, "anna", b"a"), photo(portal_of, "anna", b"b")]
    with as_caller("citizen", "anna") as anna:
        submitted = anna.feedback.submit_report(report(photos=photos))

    def filed() -> list[dict]:
        with as_caller("clerk", "rolf", ROADS) as rolf:
            found = [rolf.documents.get_document(p) for p in photos]
        return found if all(d["case_id"] == submitted["id"] for d in found) else []

    seen = wait_for(filed, timeout=10)
    assert [d["document_type"] for d in seen] == ["report_photo", "report_photo"]
    with as_caller("citizen", "ben") as ben, pytest.raises(Exception) as refused:
        ben.documents.get_document(photos[0])
    assert getattr(refused.value, "code", None) == "document_not_found"
