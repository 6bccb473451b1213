"""Citizens report problems and propose ideas; what they submitted reads back as each
caller may see it. Use cases on a fake unit of work: no broker, no database server."""

from __future__ import annotations

import pytest

from services.common.challenges import ChallengeSpent
from services.common.errors import InvalidInput
from services.feedback.errors import (
    AccountBanned,
    InvalidAnswers,
    ItemNotFound,
    LocationOutsideTown,
    PhotoNotAllowed,
    TooManyPhotos,
    TooManySubmissions,
    UnknownCategory,
)
from services.feedback.models import BanRow, ItemRow
from services.feedback.use_cases import submissions
from tests.unit.feedback.world import (
    ANNA,
    BEN,
    DORTMUND,
    MONDAY,
    NOBODY,
    ROLF,
    World,
    report_input,
)


@pytest.fixture
def world(fake_uow) -> World:
    return World(fake_uow)


def read(world: World, item_id: str, caller=NOBODY, language: str = "de") -> dict:
    command = submissions.GetItem(caller, item_id, language)
    return submissions.get_item(command, world.uow, world.setting)


def test_a_report_is_submitted_and_its_author_follows_it(world):
    shown = world.report()

    assert shown["status"] == "submitted" and shown["mine"] and shown["following"]
    assert shown["category"] == "streetlight" and shown["department_name"]
    assert shown["exact_latitude"] == 51.5711


def test_a_submitted_report_is_announced_to_its_department_once_committed(world):
    shown = world.report()

    assert world.uow.published_types() == ["report_submitted"]
    [payload] = world.uow.payloads_of("report_submitted")
    assert payload["item_id"] == shown["id"] and payload["department"] == "roads"
    assert payload["recipients"] == [
        {"citizen": "anna", "email": "anna@example.org", "language": "de"}
    ]
    assert payload["submitted_at"] == MONDAY.isoformat()


def test_an_idea_is_announced_as_an_idea_without_a_place(world):
    shown = world.idea()

    assert world.uow.published_types() == ["idea_submitted"]
    [payload] = world.uow.payloads_of("idea_submitted")
    assert payload["kind"] == "idea" and payload["item_id"] == shown["id"]
    assert payload["public_latitude"] is None and payload["photos"] == []


def test_the_public_sees_a_report_blurred_and_without_its_author(world):
    shown = world.report()

    public = read(world, shown["id"])

    assert "exact_latitude" not in public and "author" not in public
    assert public["latitude"] != 51.5711 and public["author_name"] == "Anna A."
    assert not public["mine"] and not public["following"]


def test_an_anonymous_report_shows_no_name_to_the_public(world):
    shown = world.report(anonymous=True)

    assert read(world, shown["id"])["author_name"] is None


def test_the_office_sees_who_reported_and_the_history(world):
    shown = world.report()

    office_view = read(world, shown["id"], ROLF, "en")

    assert office_view["author"] == "anna" and office_view["email"] == "anna@example.org"
    assert [step["status"] for step in office_view["history"]] == ["submitted"]
    assert office_view["status_name"] == "Submitted"


def test_a_place_outside_the_town_is_refused_and_nothing_is_published(world):
    with pytest.raises(LocationOutsideTown) as refused:
        world.report(place=DORTMUND)

    assert refused.value.code == "location_outside_town"
    assert world.uow.published == []


def test_a_category_of_the_other_kind_is_unknown(world):
    with pytest.raises(UnknownCategory) as refused:
        world.report(category="mobility")

    assert "streetlight" in refused.value.details["known"]
    assert world.uow.published == []


def test_an_answer_outside_the_choices_is_refused(world):
    with pytest.raises(InvalidAnswers):
        world.report(answers={"fault": "melted"})

    assert world.uow.published == []


def test_a_report_takes_the_authors_own_photos(world):
    photo = world.documents.add()

    shown = world.report(photos=[photo, photo])

    assert shown["photos"] == [photo]
    assert world.uow.payloads_of("report_submitted")[0]["photos"] == [photo]


def test_a_photo_that_is_not_the_authors_is_refused(world):
    with pytest.raises(PhotoNotAllowed) as refused:
        world.report(photos=["6f1c0d7e-8a34-4c55-9a57-4a0bb1a1d001"])

    assert refused.value.code == "photo_not_allowed"
    assert world.uow.published == []


def test_a_document_that_is_not_a_photo_is_refused(world):
    letter = world.documents.add("letter")

    with pytest.raises(PhotoNotAllowed) as refused:
        world.report(photos=[letter])

    assert refused.value.details["document_type"] == "letter"


def test_more_photos_than_allowed_are_refused(fake_uow):
    world = World(fake_uow, max_photos=1)
    photos = [world.documents.add(), world.documents.add()]

    with pytest.raises(TooManyPhotos) as refused:
        world.report(photos=photos)

    assert refused.value.details == {"max": 1}


def test_a_banned_account_cannot_report(world):
    with world.uow.transaction() as tx:
        tx.session.add(BanRow(account="anna", reason="spam", banned_by="ada", banned_at=MONDAY))

    with pytest.raises(AccountBanned) as refused:
        world.report()

    assert refused.value.code == "account_banned"
    assert world.uow.published == []


def test_a_citizen_past_the_hourly_limit_is_refused(fake_uow):
    world = World(fake_uow, submissions_per_hour=2)
    world.report()
    world.idea()

    with pytest.raises(TooManySubmissions) as refused:
        world.report()

    assert refused.value.details == {"limit": 2, "period_seconds": 3600}
    assert world.uow.published_types() == ["report_submitted", "idea_submitted"]


def test_the_hourly_limit_counts_the_last_hour_only(fake_uow):
    world = World(fake_uow, submissions_per_hour=1)
    world.report()
    world.clock.advance(hours=1, seconds=1)

    world.report()

    assert world.uow.published_types() == ["report_submitted", "report_submitted"]


def test_the_same_submission_again_with_its_key_answers_the_first(world):
    first = world.report(key="k-1")

    again = world.report(key="k-1")

    assert again["id"] == first["id"]
    assert world.uow.published_types() == ["report_submitted"]
    with world.uow.transaction() as tx:
        assert tx.session.query(ItemRow).count() == 1


def test_a_proof_of_work_is_spent_once(world):
    world.report(challenge="solved-1")

    with pytest.raises(ChallengeSpent):
        world.report(challenge="solved-1")

    assert world.uow.published_types() == ["report_submitted"]


def test_an_item_hidden_is_not_found_by_others_but_by_its_author(world):
    shown = world.report()
    with world.uow.transaction() as tx:
        tx.session.get(ItemRow, shown["id"]).hidden = True

    with pytest.raises(ItemNotFound):
        read(world, shown["id"], BEN)
    assert read(world, shown["id"], ANNA)["hidden"] is True


def test_a_text_that_names_no_item_is_not_found(world):
    with pytest.raises(ItemNotFound) as refused:
        read(world, "not-an-id")

    assert refused.value.code == "item_not_found"


def test_a_title_too_short_is_invalid_input():
    with pytest.raises(InvalidInput):
        report_input(title="a")
