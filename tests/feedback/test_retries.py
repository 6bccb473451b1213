"""A citizen's portal that lost the answer sends a report, an idea or a comment again with
the same Idempotency-Key: it gets the first answer, and nothing is filed twice."""

from __future__ import annotations

import pytest

from tests.feedback.test_http import (  # noqa: F401 (fixtures: the participation limit)
    API,
    altcha,
    assert_error,
    participation_limit,
    start_gateway,
)
from tests.support.feedback import ROADS, idea, report


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def post(web_session, headers, key: str, path: str, body: dict):
    return web_session.post(f"{API}/{path}", json=body, headers=keyed(headers, key))


def my_items(web_session, headers) -> list[str]:
    listed = web_session.get(f"{API}/items/mine", headers=headers)
    assert listed.status_code == 200, listed.text
    return [item["id"] for item in listed.json()["items"]]


@pytest.mark.parametrize(("path", "make"), [("reports", report), ("ideas", idea)])
def test_a_submission_sent_again_with_its_spent_challenge_answers_the_first_one(
    feedback, web_session, login, path, make
):
    anna = login("citizen", "anna")
    body = {**make(), "altcha": altcha(web_session)}
    first = post(web_session, anna, "portal-7f3a", path, body)
    assert first.status_code == 201, first.text

    again = post(web_session, anna, "portal-7f3a", path, body)

    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    assert my_items(web_session, anna) == [first.json()["id"]]


def test_a_report_sent_again_with_a_challenge_solved_anew_answers_the_first_one(
    feedback, web_session, login
):
    anna = login("citizen", "anna")
    first = post(web_session, anna, "k1", "reports", {**report(), "altcha": altcha(web_session)})

    again = post(web_session, anna, "k1", "reports", {**report(), "altcha": altcha(web_session)})

    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert my_items(web_session, anna) == [first.json()["id"]]


def test_the_same_key_with_another_report_is_refused_and_files_nothing(
    feedback, web_session, login
):
    anna = login("citizen", "anna")
    body = {**report(), "altcha": altcha(web_session)}
    first = post(web_session, anna, "k1", "reports", body)

    other = post(web_session, anna, "k1", "reports", {**body, "title": "Laterne flackert"})
    as_idea = post(web_session, anna, "k1", "ideas", {**idea(), "altcha": altcha(web_session)})

    assert_error(other, 409, "idempotency_key_reused")
    assert as_idea.status_code == 201, as_idea.text  # keys are per route
    assert sorted(my_items(web_session, anna)) == sorted([first.json()["id"], as_idea.json()["id"]])


def test_another_citizen_with_the_same_key_files_a_report_of_their_own(
    feedback, web_session, login
):
    anna, ben = login("citizen", "anna"), login("citizen", "ben")
    annas = post(web_session, anna, "k1", "reports", {**report(), "altcha": altcha(web_session)})

    bens = post(web_session, ben, "k1", "reports", {**report(), "altcha": altcha(web_session)})

    assert bens.status_code == 201, bens.text
    assert bens.json()["id"] != annas.json()["id"]
    assert my_items(web_session, ben) == [bens.json()["id"]]
    assert my_items(web_session, anna) == [annas.json()["id"]]


def test_a_spent_challenge_under_a_new_key_is_still_refused(feedback, web_session, login):
    anna = login("citizen", "anna")
    body = {**report(), "altcha": altcha(web_session)}
    post(web_session, anna, "k1", "reports", body)

    refused = post(web_session, anna, "k2", "reports", body)

    assert_error(refused, 400, "challenge_spent")


def test_a_comment_sent_again_with_its_key_is_posted_once(feedback, web_session, login):
    anna, ben = login("citizen", "anna"), login("citizen", "ben")
    item = post(web_session, anna, "k1", "reports", {**report(), "altcha": altcha(web_session)})
    comments = f"items/{item.json()['id']}/comments"
    body = {"body": "Bei mir auch, seit Montag."}

    first = post(web_session, ben, "c1", comments, body)
    again = post(web_session, ben, "c1", comments, body)
    reused = post(web_session, ben, "c1", comments, {"body": "Und am Markt."})
    annas = post(web_session, anna, "c1", comments, body)

    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert_error(reused, 409, "idempotency_key_reused")
    listed = web_session.get(f"{API}/{comments}").json()["comments"]
    assert [c["id"] for c in listed] == [first.json()["id"], annas.json()["id"]]


def test_an_official_answer_sent_again_with_its_key_is_published_once(feedback, web_session, login):
    anna, clerk = login("citizen", "anna"), login("clerk", "clerk-roads", ROADS)
    item = post(web_session, anna, "k1", "reports", {**report(), "altcha": altcha(web_session)})
    answers = f"items/{item.json()['id']}/answers"
    body = {"text": "Wir sehen es uns an."}

    first = post(web_session, clerk, "a1", answers, body)
    again = post(web_session, clerk, "a1", answers, body)

    assert first.status_code == again.status_code == 200, again.text
    assert [step["text"] for step in again.json()["history"]] == [None, "Wir sehen es uns an."]
