"""A portal's own client: one connection, a signed caller, typed errors, and a deadline."""

from __future__ import annotations

import time

import eventlet
import pytest
from nameko import config

from services.client import Caller, PlatformClient
from services.common.errors import NotFound, ServiceUnavailable
from services.common.identity import DEVELOPMENT_KEY_ID, DEVELOPMENT_SIGNING_KEY, new_key_pair
from tests.support.calls import Back, Front


@pytest.fixture
def platform(platform_config, runner_factory):
    runner_factory(Front, Back).start()


@pytest.fixture
def portal(platform):
    with PlatformClient(
        config["AMQP_URI"],
        key_id=DEVELOPMENT_KEY_ID,
        signing_key=DEVELOPMENT_SIGNING_KEY,
        timeout=2,
    ) as client:
        yield client


ANNA = Caller("anna.schmidt", "citizen")


def test_a_caller_the_portal_signs_is_who_the_service_and_the_one_behind_it_see(portal):
    anna = portal.acting_for(ANNA)

    assert anna.back.whoami() == {"subject": "anna.schmidt", "role": "citizen"}
    assert anna.front.whoami_at_back() == {"subject": "anna.schmidt", "role": "citizen"}
    assert portal.anonymous.back.whoami() == {"subject": None, "role": None}


def test_a_portal_whose_key_the_platform_does_not_trust_acts_for_nobody(platform):
    signing_key, _ = new_key_pair()
    with PlatformClient(
        config["AMQP_URI"], key_id="unknown-portal", signing_key=signing_key, timeout=2
    ) as stranger:
        assert stranger.acting_for(ANNA).back.whoami() == {"subject": None, "role": None}


def test_a_typed_error_arrives_as_itself(portal):
    with pytest.raises(NotFound) as raised:
        portal.anonymous.back.find("t-1")

    assert raised.value.code == "not_found"
    assert raised.value.details == {"thing_id": "t-1"}


def test_a_call_past_its_deadline_fails_with_service_unavailable_and_the_next_one_works(portal):
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as raised:
        portal.anonymous.back.stall(3.0)

    assert time.monotonic() - started < 2.5
    assert "did not answer within 2 s" in raised.value.message
    assert portal.anonymous.back.whoami() == {"subject": None, "role": None}


def test_a_service_that_is_not_running_fails_at_once(portal):
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as raised:
        portal.anonymous.nowhere.anything()

    assert time.monotonic() - started < 1.0
    assert raised.value.details == {"service": "nowhere", "method": "anything"}


def test_callers_sharing_one_client_each_get_their_own_answer(portal):
    def ask(number: int) -> tuple[int, dict]:
        caller = Caller(f"citizen-{number}", "citizen")
        return number, portal.acting_for(caller).back.whoami()

    pool = eventlet.GreenPool(8)
    answers = dict(pool.imap(ask, range(40)))

    assert answers == {
        number: {"subject": f"citizen-{number}", "role": "citizen"} for number in range(40)
    }


def test_many_calls_share_one_connection_to_the_broker(portal, rabbit_manager):
    vhost = config["AMQP_URI"].rsplit("/", 1)[-1]

    def connections() -> int:
        listed = rabbit_manager.get_connections() or []
        return sum(1 for connection in listed if connection.get("vhost") == vhost)

    before = connections()
    for _ in range(50):
        portal.anonymous.back.whoami()

    assert connections() == before


def test_acting_for_a_caller_needs_a_key(platform):
    with (
        PlatformClient(config["AMQP_URI"]) as unkeyed,
        pytest.raises(ValueError, match="signing_key"),
    ):
        unkeyed.acting_for(ANNA)
