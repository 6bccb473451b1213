"""Proof of work (ALTCHA): a solved challenge passes; missing, wrong, forged or old ones don't."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import altcha
import pytest
from nameko.exceptions import ConfigurationError

from services.gateway.challenge import as_widget_fetches
from tests.support.gateway import ALTCHA_HMAC_KEY, CHALLENGE

CHALLENGE_ROUTE = "/api/v1/appointments/challenge"
PROOF = "/test/proof"


def fetch_challenge(web_session) -> dict:
    answer = web_session.get(CHALLENGE_ROUTE)
    assert answer.status_code == 200, answer.text
    return answer.json()


def number_solving(challenge: dict) -> int:
    solution = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxnumber"]
    )
    assert solution is not None
    return solution.number


def solved(challenge: dict, /, **changes) -> str:
    """What the ALTCHA widget sends: the challenge with the number found, as base64 JSON."""
    fields = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": number_solving(challenge),
        "salt": challenge["salt"],
        "signature": challenge["signature"],
        **changes,
    }
    return base64.b64encode(json.dumps(fields).encode()).decode()


def assert_refused(answer, code: str) -> None:
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == code


def test_a_challenge_comes_in_the_shape_the_altcha_widget_fetches(gateway, web_session):
    challenge = fetch_challenge(web_session)

    assert set(challenge) == {"algorithm", "challenge", "maxnumber", "salt", "signature"}
    assert challenge["algorithm"] == "SHA-256"
    assert challenge["maxnumber"] == CHALLENGE["max_number"]
    expires = int(parse_qs(challenge["salt"].split("?", 1)[1])["expires"][0])
    assert 0 < expires - time.time() <= CHALLENGE["expires_seconds"]


def test_a_solved_challenge_passes_and_is_known_by_its_signature(gateway_under_test, web_session):
    challenge = fetch_challenge(web_session)

    answers = [web_session.post(PROOF, json={"altcha": solved(challenge)}) for _ in range(2)]

    # the same id each time: what the appointments service records to spend it once
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"challenge": challenge["signature"]}


@pytest.mark.parametrize("body", [{}, {"altcha": ""}], ids=["absent", "empty"])
def test_a_request_without_a_solution_is_asked_for_one(gateway_under_test, web_session, body):
    answer = web_session.post(PROOF, json=body)

    assert_refused(answer, "challenge_required")
    assert CHALLENGE_ROUTE in answer.json()["error"]["message"]


def test_a_wrong_number_fails(gateway_under_test, web_session):
    challenge = fetch_challenge(web_session)
    wrong = solved(challenge, number=number_solving(challenge) + 1)

    assert_refused(web_session.post(PROOF, json={"altcha": wrong}), "challenge_failed")


@pytest.mark.parametrize(
    "tamper",
    [
        # a later expiry written into the salt
        lambda c: {"salt": c["salt"].replace("expires=", "expires=9")},
        # a challenge of one's own choosing (number 0), under our signature
        lambda c: {
            "number": 0,
            "challenge": altcha.hash_hex("SHA-256", f"{c['salt']}0".encode()),
        },
        lambda c: {"signature": "0" * 64},
        lambda c: {"algorithm": "SHA-1"},
        lambda c: {"number": str(number_solving(c))},
    ],
    ids=["salt", "own-challenge", "signature", "algorithm", "number-as-text"],
)
def test_a_tampered_solution_fails(gateway_under_test, web_session, tamper):
    challenge = fetch_challenge(web_session)

    answer = web_session.post(PROOF, json={"altcha": solved(challenge, **tamper(challenge))})

    assert_refused(answer, "challenge_failed")


@pytest.mark.parametrize(
    "garbage",
    ["not base64!", base64.b64encode(b"[1, 2]").decode(), base64.b64encode(b"\xff").decode()],
    ids=["not-base64", "not-an-object", "not-utf8"],
)
def test_a_payload_that_is_not_a_solution_at_all_fails(gateway_under_test, web_session, garbage):
    assert_refused(web_session.post(PROOF, json={"altcha": garbage}), "challenge_failed")


def test_a_challenge_signed_with_another_key_fails(gateway_under_test, web_session):
    foreign = altcha.create_challenge_v1(
        hmac_key="somebody-elses-key-of-at-least-thirty-two-chars",
        max_number=CHALLENGE["max_number"],
        expires=datetime.now(UTC) + timedelta(minutes=1),
    )

    answer = web_session.post(PROOF, json={"altcha": solved(as_widget_fetches(foreign))})

    assert_refused(answer, "challenge_failed")


def test_an_expired_challenge_fails(gateway_under_test, web_session):
    expired = altcha.create_challenge_v1(
        hmac_key=ALTCHA_HMAC_KEY,
        max_number=CHALLENGE["max_number"],
        expires=datetime.now(UTC) - timedelta(seconds=1),
    )

    answer = web_session.post(PROOF, json={"altcha": solved(as_widget_fetches(expired))})

    assert_refused(answer, "challenge_failed")


def test_the_gateway_does_not_start_with_a_short_challenge_key(start_gateway):
    with pytest.raises(ConfigurationError, match=r"CHALLENGE\.hmac_key"):
        start_gateway(challenge={"hmac_key": "too-short"})
