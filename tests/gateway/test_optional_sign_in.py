"""Optional sign-in: anyone may call, and a caller who sends a token must send a valid one."""

from __future__ import annotations

import pytest

from services.gateway.openapi import build_document
from services.gateway.service import GatewayService

WHOAMI = "/test/whoami"


def test_a_caller_without_a_token_is_served_anonymously(gateway_under_test, web_session):
    answer = web_session.get(WHOAMI)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"subject": None, "role": None}


def test_a_signed_in_caller_is_known_by_their_token(gateway_under_test, web_session, login):
    answer = web_session.get(WHOAMI, headers=login("citizen", "anna"))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"subject": "anna", "role": "citizen"}


@pytest.mark.parametrize("token", ["not-a-jwt", ""], ids=["garbage", "empty"])
def test_a_bad_token_is_refused_not_ignored(gateway_under_test, web_session, token):
    answer = web_session.get(WHOAMI, headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_token"
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]


def test_an_authorization_header_of_another_scheme_is_refused(gateway_under_test, web_session):
    answer = web_session.get(WHOAMI, headers={"Authorization": "Basic YW5uYTpzZWNyZXQ="})

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthenticated"


def test_the_openapi_document_shows_the_booking_token_as_optional():
    operation = build_document(GatewayService)["paths"]["/api/v1/appointments/holds"]["post"]

    assert operation["security"] == [{}, {"bearer": []}]
    assert operation["responses"]["401"] == {"$ref": "#/components/responses/InvalidToken"}
    assert "403" not in operation["responses"]
