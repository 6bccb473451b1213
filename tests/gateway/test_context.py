"""The verified caller and the correlation id travel with every call the gateway makes."""

from __future__ import annotations

import pytest

from tests.gateway.doubles import Echo, GatewayUnderTest


@pytest.fixture
def gateway_and_echo(start_gateway, container_factory):
    echo = container_factory(Echo)
    echo.start()
    return start_gateway(GatewayUnderTest)


def test_the_callers_identity_and_correlation_id_reach_the_service_behind_the_gateway(
    gateway_and_echo, web_session, login
):
    headers = {**login("clerk", "clerk.meier"), "X-Correlation-ID": "portal-req-42"}

    answer = web_session.get("/test/echo", headers=headers)

    assert answer.status_code == 200, answer.text
    assert answer.headers["X-Correlation-ID"] == "portal-req-42"
    assert answer.json() == {
        "correlation_id": "portal-req-42",
        "user_id": "clerk.meier",
        "user_role": "clerk",
    }


def test_a_request_without_a_correlation_id_gets_a_new_one_that_reaches_the_service(
    gateway_and_echo, web_session, login
):
    answer = web_session.get("/test/echo", headers=login("citizen"))

    correlation_id = answer.headers["X-Correlation-ID"]
    assert len(correlation_id) == 32
    assert answer.json()["correlation_id"] == correlation_id


@pytest.mark.parametrize(
    "offered", ["has spaces in it", "x" * 101, "<script>", "-leading-dash"], ids=repr
)
def test_an_insane_correlation_id_is_replaced(gateway, web_session, offered):
    answer = web_session.get("/health", headers={"X-Correlation-ID": offered})

    assert answer.headers["X-Correlation-ID"] != offered
    assert len(answer.headers["X-Correlation-ID"]) == 32


def test_error_answers_carry_the_correlation_id_too(gateway, web_session):
    answer = web_session.get("/nowhere", headers={"X-Correlation-ID": "req-7.a:b_c"})

    assert answer.status_code == 404
    assert answer.headers["X-Correlation-ID"] == "req-7.a:b_c"
