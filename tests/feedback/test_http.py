"""Citizens report, propose, support, comment and rate through the gateway's HTTP API, as a
portal does; the office answers and moderates; map apps read the public map."""

from __future__ import annotations

import pytest

from tests.gateway.test_challenge import solved
from tests.support.clients import as_caller
from tests.support.feedback import (
    DORTMUND,
    EVERY_DEPARTMENT,
    MARKET,
    ROADS,
    idea,
    rating_token,
    report,
    visit_completed,
)

API = "/api/v1/feedback"
# a box around the old town, and one around Dortmund
OLD_TOWN = f"{MARKET[0] - 0.01},{MARKET[1] - 0.01},{MARKET[0] + 0.01},{MARKET[1] + 0.01}"
ELSEWHERE = f"{DORTMUND[0] - 0.01},{DORTMUND[1] - 0.01},{DORTMUND[0] + 0.01},{DORTMUND[1] + 0.01}"
# all a map app gets of a report
MARKER_KEYS = {
    "id",
    "kind",
    "category",
    "title",
    "status",
    "status_name",
    "latitude",
    "longitude",
    "me_too",
    "supports",
    "submitted_at",
}


@pytest.fixture
def participation_limit() -> dict:
    """The per-address limit on reports, ideas, comments, ratings, supports and flags: out
    of the way of every test but the one of the limit itself."""
    return {"per_minute": 100_000, "burst": 100_000}


@pytest.fixture
def start_gateway(start_gateway, participation_limit):
    """The gateway the platform starts, held to `participation_limit`."""

    def start(**settings):
        return start_gateway(rate_limits={"participation": participation_limit}, **settings)

    return start


def altcha(web_session) -> str:
    """A solved challenge, as the ALTCHA widget sends it."""
    challenge = web_session.get(f"{API}/challenge")
    assert challenge.status_code == 200, challenge.text
    return solved(challenge.json())


def submit(web_session, headers, body: dict, kind: str = "reports") -> dict:
    answer = web_session.post(
        f"{API}/{kind}", json={**body, "altcha": altcha(web_session)}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def assert_error(answer, status: int, code: str) -> dict:
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text
    return answer.json()["error"]


def test_a_citizen_who_solved_a_challenge_reports_a_problem_the_public_sees_without_who(
    feedback, web_session, login
):
    anna = login("citizen", "anna")
    body = report(name="Anna S.", email="anna@example.org", language="en")

    mine = submit(web_session, anna, body)

    assert mine["status"] == "submitted" and mine["status_name"] == "Submitted"
    assert mine["mine"] is True and mine["following"] is True
    assert (mine["exact_latitude"], mine["exact_longitude"]) == MARKET
    public = web_session.get(f"{API}/items/{mine['id']}")
    assert public.status_code == 200, public.text
    seen = public.json()
    assert seen["title"] == body["title"] and seen["author_name"] == "Anna S."
    assert seen["category_name"] == "Straßenbeleuchtung defekt"
    assert {"author", "email", "exact_latitude", "exact_longitude", "photos"}.isdisjoint(seen)
    assert (seen["latitude"], seen["longitude"]) != MARKET
    assert seen["mine"] is False
    as_author = web_session.get(f"{API}/items/{mine['id']}", headers=anna).json()
    assert as_author["mine"] is True and as_author["exact_latitude"] == MARKET[0]
    listed = web_session.get(f"{API}/items/mine", headers=anna)
    assert [item["id"] for item in listed.json()["items"]] == [mine["id"]]


def test_a_report_without_a_solved_challenge_is_asked_for_one(feedback, web_session, login):
    anna = login("citizen", "anna")

    missing = web_session.post(f"{API}/reports", json=report(), headers=anna)
    forged = web_session.post(
        f"{API}/reports", json={**report(), "altcha": "bm90IGEgc29sdXRpb24="}, headers=anna
    )

    assert_error(missing, 400, "challenge_required")
    assert_error(forged, 400, "challenge_failed")


def test_a_solved_challenge_buys_one_submission_only(feedback, web_session, login):
    anna = login("citizen", "anna")
    body = {**report(), "altcha": altcha(web_session)}
    assert web_session.post(f"{API}/reports", json=body, headers=anna).status_code == 201

    again = web_session.post(
        f"{API}/ideas", json={**idea(), "altcha": body["altcha"]}, headers=anna
    )

    assert_error(again, 400, "challenge_spent")


def test_a_place_outside_the_town_is_refused(feedback, web_session, login):
    body = {**report(place=DORTMUND), "altcha": altcha(web_session)}

    answer = web_session.post(f"{API}/reports", json=body, headers=login("citizen", "anna"))

    error = assert_error(answer, 400, "location_outside_town")
    assert error["details"] == {"latitude": DORTMUND[0], "longitude": DORTMUND[1]}


def test_a_report_in_a_category_of_ideas_or_with_wrong_answers_is_refused(
    feedback, web_session, login
):
    anna = login("citizen", "anna")

    def sent(body):
        return web_session.post(
            f"{API}/reports", json={**body, "altcha": altcha(web_session)}, headers=anna
        )

    assert_error(sent(report(category="mobility")), 404, "unknown_category")
    wrong = assert_error(sent(report(answers={"fault": "exploded"})), 400, "invalid_answers")
    assert set(wrong["details"]) == {"fault"}
    assert_error(sent({**report(), "colour": "red"}), 400, "invalid_input")


def test_categories_come_with_their_questions_in_the_language_asked(feedback, web_session):
    answer = web_session.get(f"{API}/categories", params={"language": "en"})

    assert answer.status_code == 200, answer.text
    categories = {category["key"]: category for category in answer.json()["categories"]}
    streetlight = categories["streetlight"]
    assert (streetlight["kind"], streetlight["name"]) == ("report", "Broken streetlight")
    assert streetlight["questions"][0] == {
        "key": "fault",
        "label": "What is wrong?",
        "type": "choice",
        "required": True,
        "choices": ["dark", "flickering", "lit_by_day"],
    }
    assert categories["mobility"]["kind"] == "idea"
    assert_error(
        web_session.get(f"{API}/categories", params={"language": "fr"}), 400, "invalid_input"
    )


def test_an_idea_is_supported_once_per_citizen(feedback, web_session, login):
    proposed = submit(web_session, login("citizen", "anna"), idea(), "ideas")
    ben = login("citizen", "ben")

    supported = web_session.post(f"{API}/items/{proposed['id']}/supports", headers=ben)
    again = web_session.post(f"{API}/items/{proposed['id']}/supports", headers=ben)

    assert supported.status_code == 201, supported.text
    assert supported.json()["supports"] == 1
    assert_error(again, 409, "already_supported")


@pytest.mark.parametrize(
    "feedback_settings", [{"location_blur_meters": 50, "supports_per_period": 2}]
)
def test_past_the_support_limit_a_citizen_is_told_when_the_next_support_is_free(
    feedback, web_session, login
):
    anna, ben = login("citizen", "anna"), login("citizen", "ben")
    ideas = [submit(web_session, anna, idea(title=f"Idee {n}"), "ideas") for n in range(3)]

    answers = [
        web_session.post(f"{API}/items/{proposed['id']}/supports", headers=ben)
        for proposed in ideas
    ]

    assert [answer.status_code for answer in answers[:2]] == [201, 201]
    error = assert_error(answers[2], 409, "support_limit_reached")
    assert error["details"]["limit"] == 2 and "next_support_at" in error["details"]


def test_a_visit_is_rated_once_with_the_link_from_its_invitation(
    feedback, feedback_events, web_session
):
    token = rating_token(feedback_events, visit_completed())

    asked = web_session.post(f"{API}/ratings/invitation", json={"token": token})
    assert asked.status_code == 200, asked.text
    assert asked.json()["service_name"] == "Personalausweis beantragen"
    assert (asked.json()["location"], asked.json()["rated"]) == ("town-hall", False)
    for score in (0, 6, 2.5, "5", True):
        out_of_range = web_session.post(f"{API}/ratings", json={"token": token, "score": score})
        assert_error(out_of_range, 400, "rating_out_of_range")
    rated = web_session.post(
        f"{API}/ratings", json={"token": token, "score": 4, "comment": "Schnell und freundlich."}
    )
    assert rated.status_code == 201, rated.text
    assert rated.json()["score"] == 4 and rated.json()["service"] == "id-card"
    assert "citizen" not in rated.json() and "email" not in rated.json()
    assert_error(
        web_session.post(f"{API}/ratings", json={"token": token, "score": 5}), 409, "already_rated"
    )
    assert web_session.post(f"{API}/ratings/invitation", json={"token": token}).json()["rated"]


def test_a_link_that_invites_nobody_finds_nothing_to_rate(feedback, web_session):
    answer = web_session.post(f"{API}/ratings/invitation", json={"token": "made-up"})
    assert_error(answer, 404, "invitation_not_found")
    answer = web_session.post(f"{API}/ratings", json={"token": "made-up", "score": 5})
    assert_error(answer, 404, "invitation_not_found")


def test_a_signed_in_citizen_rates_the_visit_they_were_invited_to_rate(
    feedback, feedback_events, web_session, login
):
    visit = visit_completed(citizen="anna")
    feedback_events.wait_for_one("rating_invited", subject_id=visit)
    rating = {"subject_kind": "visit", "subject_id": visit, "score": 5}

    by_ben = web_session.post(f"{API}/ratings", json=rating, headers=login("citizen", "ben"))
    by_anna = web_session.post(f"{API}/ratings", json=rating, headers=login("citizen", "anna"))

    assert_error(by_ben, 404, "invitation_not_found")
    assert by_anna.status_code == 201, by_anna.text
    assert by_anna.json()["subject_id"] == visit


def test_figures_show_the_average_rating_per_service_and_location(
    feedback, feedback_events, web_session, login
):
    visits = [
        (visit_completed(location="town-hall"), 4),
        (visit_completed(location="town-hall"), 5),
        (visit_completed(location="citizens-office-north"), 2),
    ]
    for visit, score in visits:
        token = rating_token(feedback_events, visit)
        assert web_session.post(f"{API}/ratings", json={"token": token, "score": score}).ok

    answer = web_session.get(f"{API}/figures", params={"period": "week"}, headers=login("clerk"))

    assert answer.status_code == 200, answer.text
    by_location = {row["location"]: row for row in answer.json()["ratings"]}
    assert by_location["town-hall"]["service"] == "id-card"
    assert (by_location["town-hall"]["ratings"], by_location["town-hall"]["average"]) == (2, 4.5)
    assert by_location["citizens-office-north"]["average"] == 2
    assert "-W" in by_location["town-hall"]["period"]
    long_ago = web_session.get(
        f"{API}/figures", params={"from": "2020-01-01", "to": "2020-12-31"}, headers=login("clerk")
    )
    # from local midnight, in UTC
    assert long_ago.json()["from"] == "2019-12-31T23:00:00+00:00"
    assert long_ago.json()["ratings"] == []
    assert_error(
        web_session.get(f"{API}/figures", params={"from": "not-a-day"}, headers=login("clerk")),
        400,
        "invalid_input",
    )


@pytest.mark.parametrize("participation_limit", [{"per_minute": 60, "burst": 3}])
def test_an_address_past_its_burst_of_participation_is_told_to_retry_later(
    feedback, web_session, login
):
    with as_caller("citizen", "anna") as anna:
        item = anna.feedback.submit_report(report())
    ben = login("citizen", "ben")
    comments = f"{API}/items/{item['id']}/comments"

    answers = [
        web_session.post(comments, json={"body": "Hier auch."}, headers=ben) for _ in range(4)
    ]

    assert [answer.status_code for answer in answers[:3]] == [201, 201, 201]
    error = assert_error(answers[3], 429, "rate_limited")
    assert error["details"]["limit"] == "participation"
    assert answers[3].headers["Retry-After"] == "1"
    # reading is not participation
    assert web_session.get(comments).status_code == 200
    assert web_session.get(f"{API}/map", params={"bbox": OLD_TOWN}).status_code == 200


@pytest.mark.parametrize(
    "feedback_settings", [{"location_blur_meters": 50, "submissions_per_hour": 2}]
)
def test_a_citizen_past_the_hourly_submissions_is_refused(feedback, web_session, login):
    anna = login("citizen", "anna")
    mine = submit(web_session, anna, report())
    comments = f"{API}/items/{mine['id']}/comments"
    assert web_session.post(comments, json={"body": "Noch immer."}, headers=anna).ok

    idea_refused = web_session.post(
        f"{API}/ideas", json={**idea(), "altcha": altcha(web_session)}, headers=anna
    )
    comment_refused = web_session.post(comments, json={"body": "Und immer noch."}, headers=anna)

    error = assert_error(idea_refused, 429, "too_many_submissions")
    assert error["details"] == {"limit": 2, "period_seconds": 3600}
    assert_error(comment_refused, 429, "too_many_submissions")
    other = web_session.post(comments, json={"body": "Bei mir auch."}, headers=login("citizen"))
    assert other.status_code == 201


def test_the_public_map_shows_reports_in_a_box_without_who_or_where_exactly(
    feedback, web_session, login
):
    anna = login("citizen", "anna")
    first = submit(web_session, anna, report(name="Anna S.", email="anna@example.org"))
    second = submit(web_session, anna, report(category="pothole"))
    submit(web_session, anna, idea(), "ideas")

    page = web_session.get(f"{API}/map", params={"bbox": OLD_TOWN})

    assert page.status_code == 200, page.text
    markers = page.json()["items"]
    assert [marker["id"] for marker in markers] == [second["id"], first["id"]]
    assert page.json()["next_cursor"] is None
    assert all(set(marker) == MARKER_KEYS for marker in markers)
    assert all((marker["latitude"], marker["longitude"]) != MARKET for marker in markers)
    assert "anna" not in page.text and "Anna S." not in page.text
    elsewhere = web_session.get(f"{API}/map", params={"bbox": ELSEWHERE})
    assert elsewhere.json()["items"] == []
    streetlights = web_session.get(
        f"{API}/map", params={"bbox": OLD_TOWN, "category": "streetlight"}
    )
    assert [marker["id"] for marker in streetlights.json()["items"]] == [first["id"]]
    ideas = web_session.get(f"{API}/map", params={"kind": "idea", "language": "en"})
    assert [marker["status_name"] for marker in ideas.json()["items"]] == ["Submitted"]


def test_the_public_map_is_read_a_page_at_a_time(feedback, web_session):
    with as_caller("citizen", "anna") as anna:
        made = [anna.feedback.submit_report(report(title=f"Laterne {n}")) for n in range(3)]
    newest_first = [item["id"] for item in reversed(made)]

    first = web_session.get(f"{API}/map", params={"bbox": OLD_TOWN, "limit": 2}).json()
    second = web_session.get(
        f"{API}/map", params={"bbox": OLD_TOWN, "limit": 2, "cursor": first["next_cursor"]}
    ).json()

    assert [marker["id"] for marker in first["items"]] == newest_first[:2]
    assert [marker["id"] for marker in second["items"]] == newest_first[2:]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    "bbox", ["8.0,51.5,8.2", "south,west,north,east", f"{MARKET[0]},8.2,{MARKET[0] - 0.1},8.0"]
)
def test_a_box_that_is_not_south_west_north_east_is_refused(feedback, web_session, bbox):
    answer = web_session.get(f"{API}/map", params={"bbox": bbox})

    error = assert_error(answer, 400, "invalid_bbox")
    assert error["details"] == {"bbox": bbox}


OFFICE_ROUTES = [
    ("GET", f"{API}/worklist", None),
    ("GET", f"{API}/moderation", None),
    ("GET", f"{API}/bans", None),
    ("PUT", f"{API}/bans/ben", {"reason": "Beleidigungen"}),
    ("DELETE", f"{API}/bans/ben", None),
    ("GET", f"{API}/figures", None),
    ("POST", f"{API}/items/00000000-0000-4000-8000-000000000000/status", {"status": "done"}),
    ("POST", f"{API}/items/00000000-0000-4000-8000-000000000000/answers", {"text": "Erledigt."}),
    (
        "POST",
        f"{API}/moderation/item/00000000-0000-4000-8000-000000000000",
        {"decision": "hide", "reason": "Beleidigung"},
    ),
]


@pytest.mark.parametrize(("method", "path", "body"), OFFICE_ROUTES)
def test_the_office_routes_are_forbidden_to_citizens(
    feedback, web_session, login, method, path, body
):
    as_citizen = web_session.request(method, path, json=body, headers=login("citizen", "anna"))
    anonymous = web_session.request(method, path, json=body)

    assert_error(as_citizen, 403, "forbidden")
    assert_error(anonymous, 401, "unauthenticated")


def test_the_office_answers_and_closes_a_report_and_its_author_reopens_it(
    feedback, web_session, login
):
    anna, clerk = login("citizen", "anna"), login("clerk", "clerk-roads", ROADS)
    mine = submit(web_session, anna, report(email="anna@example.org"))
    item = f"{API}/items/{mine['id']}"

    worklist = web_session.get(f"{API}/worklist", params={"open_only": "true"}, headers=clerk)
    assert worklist.status_code == 200, worklist.text
    entry = worklist.json()["items"][0]
    assert (entry["id"], entry["department"], entry["hidden"]) == (mine["id"], "roads", False)
    answered = web_session.post(
        f"{item}/answers", json={"text": "Wir sehen es uns an."}, headers=clerk
    )
    assert answered.status_code == 200, answered.text
    closed = web_session.post(
        f"{item}/status",
        json={"status": "done", "answer": "Die Laterne brennt wieder."},
        params={"language": "en"},
        headers=clerk,
    )
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["status_name"]) == ("done", "Done")
    assert closed.json()["author"] == "anna"  # the office sees who
    assert [step["status"] for step in closed.json()["history"]] == [
        "submitted",
        "submitted",
        "done",
    ]
    public = web_session.get(item).json()
    assert public["official_answer"] == "Die Laterne brennt wieder." and public["closed_at"]
    assert_error(
        web_session.post(f"{item}/status", json={"status": "accepted"}, headers=clerk),
        409,
        "illegal_transition",
    )

    reopened = web_session.post(
        f"{item}/reopen", json={"text": "Sie ist wieder aus."}, headers=anna
    )

    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "in_review"
    by_ben = web_session.post(
        f"{item}/reopen", json={"text": "Aus."}, headers=login("citizen", "ben")
    )
    assert_error(by_ben, 404, "item_not_found")


def test_a_duplicate_names_the_report_it_repeats(feedback, web_session, login):
    with as_caller("citizen", "anna") as anna:
        original = anna.feedback.submit_report(report())
        repeated = anna.feedback.submit_report(report())
    clerk = login("clerk", None, EVERY_DEPARTMENT)
    status = f"{API}/items/{repeated['id']}/status"

    without = web_session.post(status, json={"status": "duplicate"}, headers=clerk)
    marked = web_session.post(
        status, json={"status": "duplicate", "duplicate_of": original["id"]}, headers=clerk
    )

    assert_error(without, 400, "duplicate_of_required")
    assert marked.status_code == 200, marked.text
    assert marked.json()["duplicate_of"] == original["id"]


def test_a_neighbour_finds_the_report_nearby_says_me_too_follows_and_comments(
    feedback, web_session, login
):
    mine = submit(web_session, login("citizen", "anna"), report())
    ben = login("citizen", "ben")
    item = f"{API}/items/{mine['id']}"

    nearby = web_session.get(
        f"{API}/reports/nearby",
        params={"category": "streetlight", "latitude": MARKET[0] + 0.0003, "longitude": MARKET[1]},
    )
    assert nearby.status_code == 200, nearby.text
    assert [marker["id"] for marker in nearby.json()["reports"]] == [mine["id"]]
    counted = web_session.post(f"{item}/me-too", json={"email": "ben@example.org"}, headers=ben)
    assert counted.status_code == 200, counted.text
    assert (counted.json()["me_too"], counted.json()["following"]) == (1, True)
    assert_error(web_session.post(f"{item}/me-too", json={}, headers=ben), 409, "already_counted")
    unfollowed = web_session.delete(f"{item}/follow", headers=ben)
    assert unfollowed.status_code == 200 and unfollowed.json()["following"] is False
    followed = web_session.put(f"{item}/follow", json={"language": "en"}, headers=ben)
    assert followed.status_code == 200 and followed.json()["following"] is True

    commented = web_session.post(f"{item}/comments", json={"body": "Seit Montag."}, headers=ben)
    office = web_session.post(
        f"{item}/comments", json={"body": "Ist beauftragt."}, headers=login("clerk")
    )

    assert commented.status_code == 201, commented.text
    assert office.status_code == 201, office.text
    page = web_session.get(f"{item}/comments", params={"limit": 1})
    assert page.status_code == 200, page.text
    assert [c["body"] for c in page.json()["comments"]] == ["Seit Montag."]
    rest = web_session.get(f"{item}/comments", params={"cursor": page.json()["next_cursor"]})
    [from_office] = rest.json()["comments"]
    assert from_office["from_office"] is True and "author" not in from_office
    assert rest.json()["next_cursor"] is None
    assert_error(
        web_session.get(
            f"{API}/reports/nearby",
            params={"category": "mobility", "latitude": 51.57, "longitude": 8.1},
        ),
        404,
        "unknown_category",
    )


def test_me_too_and_follow_need_no_body(feedback, web_session, login):
    mine = submit(web_session, login("citizen", "anna"), report())
    ben = login("citizen", "ben")
    item = f"{API}/items/{mine['id']}"

    counted = web_session.post(f"{item}/me-too", headers=ben)
    unfollowed = web_session.delete(f"{item}/follow", headers=ben)
    followed = web_session.put(f"{item}/follow", headers=ben)

    assert counted.status_code == 200, counted.text
    assert (counted.json()["me_too"], counted.json()["following"]) == (1, True)
    assert unfollowed.json()["following"] is False
    assert followed.status_code == 200, followed.text
    assert followed.json()["following"] is True


def test_flagged_content_is_hidden_until_a_moderator_restores_it(feedback, web_session, login):
    with as_caller("citizen", "anna") as anna:
        item = anna.feedback.submit_report(report())
        comment = anna.feedback.comment(item["id"], {"body": "Unsinn!"})
    flaggers = [login("citizen", f"neighbour-{n}") for n in range(3)]
    clerk = login("clerk", None, EVERY_DEPARTMENT)

    comment_flags = [
        web_session.post(
            f"{API}/comments/{comment['id']}/flags", json={"reason": reason}, headers=flaggers[0]
        )
        for reason in ("abusive", "spam")
    ]
    flags = [
        web_session.post(f"{API}/items/{item['id']}/flags", json={"reason": "spam"}, headers=who)
        for who in flaggers
    ]

    assert comment_flags[0].status_code == 201, comment_flags[0].text
    assert_error(comment_flags[1], 409, "already_flagged")
    assert [flag.status_code for flag in flags] == [201, 201, 201]
    assert flags[0].json() == {"target_kind": "item", "target_id": item["id"], "flagged": True}
    assert_error(web_session.get(f"{API}/items/{item['id']}"), 404, "item_not_found")
    queue = web_session.get(f"{API}/moderation", headers=clerk).json()["entries"]
    assert [(e["target_kind"], e["hidden"]) for e in queue] == [("item", True), ("comment", False)]

    restored = web_session.post(
        f"{API}/moderation/item/{item['id']}",
        json={"decision": "restore", "reason": "Kein Spam."},
        headers=clerk,
    )

    assert restored.status_code == 200, restored.text
    assert restored.json()["hidden"] is False
    assert [entry["action"] for entry in restored.json()["moderation"]] == [
        "auto_hidden",
        "restored",
    ]
    assert web_session.get(f"{API}/items/{item['id']}").status_code == 200
    edited = web_session.post(
        f"{API}/moderation/comment/{comment['id']}",
        json={"decision": "edit", "reason": "Ton", "body": "Ich sehe das anders."},
        headers=clerk,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["body"] == "Ich sehe das anders."
    assert edited.json()["moderation"][0]["before"] == {"body": "Unsinn!"}


def test_a_banned_account_reads_but_takes_no_part(feedback, web_session, login):
    with as_caller("citizen", "anna") as anna:
        item = anna.feedback.submit_report(report())
    clerk, ben = login("clerk", "clerk-1"), login("citizen", "ben")
    comments = f"{API}/items/{item['id']}/comments"

    banned = web_session.put(f"{API}/bans/ben", json={"reason": "Beleidigungen"}, headers=clerk)

    assert banned.status_code == 200, banned.text
    assert (banned.json()["account"], banned.json()["banned_by"]) == ("ben", "clerk-1")
    assert [
        ban["account"] for ban in web_session.get(f"{API}/bans", headers=clerk).json()["bans"]
    ] == ["ben"]
    assert_error(
        web_session.post(comments, json={"body": "Hallo"}, headers=ben), 403, "account_banned"
    )
    assert web_session.get(comments, headers=ben).status_code == 200
    lifted = web_session.delete(f"{API}/bans/ben", headers=clerk)
    assert lifted.status_code == 204
    assert web_session.post(comments, json={"body": "Hallo"}, headers=ben).status_code == 201


def test_an_item_nobody_knows_is_not_found(feedback, web_session):
    unknown = web_session.get(f"{API}/items/00000000-0000-4000-8000-000000000000")
    not_an_id = web_session.get(f"{API}/items/streetlight")

    assert_error(unknown, 404, "item_not_found")
    assert_error(not_an_id, 404, "not_found")
    assert_error(
        web_session.get(
            f"{API}/items/00000000-0000-4000-8000-000000000000",
            headers={"Authorization": "Bearer nonsense"},
        ),
        401,
        "invalid_token",
    )
