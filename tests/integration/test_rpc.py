"""Calls between services: identity travels, errors keep their type, nobody waits forever."""

import time

import pytest

from services.common.errors import Forbidden, ServiceUnavailable
from tests.support.calls import Back, Front
from tests.support.clients import cluster_client


@pytest.fixture
def cluster(platform_config, runner_factory):
    runner_factory(Front, Back).start()
    context = {"user_id": "anna.schmidt", "user_role": "citizen", "correlation_id": "corr-rpc"}
    with cluster_client(context_data=context) as client:
        yield client


def test_the_callers_identity_reaches_the_service_behind_the_service(cluster):
    assert cluster.front.whoami_at_back() == {"subject": "anna.schmidt", "role": "citizen"}


def test_a_typed_error_arrives_as_the_same_type_with_its_code(cluster):
    assert cluster.front.find_at_back("t-1") == {
        "caught": "NotFound",
        "code": "not_found",
        "details": {"thing_id": "t-1"},
    }


def test_a_call_that_takes_too_long_fails_with_service_unavailable(cluster):
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable) as raised:
        cluster.front.stall_at_back(3.0)
    assert time.monotonic() - started < 2.5
    assert raised.value.code == "service_unavailable"
    assert "did not answer within 1 s" in raised.value.message


def test_a_call_to_a_service_that_is_not_running_fails_with_service_unavailable(cluster):
    with pytest.raises(ServiceUnavailable) as raised:
        cluster.front.ask_nowhere()
    assert raised.value.details["service"] == "nowhere"


def test_requests_waiting_when_a_service_starts_are_all_answered(platform_config, runner_factory):
    # the queue is there, its service is not: the requests wait, the refused ones among them
    first = runner_factory(Back)
    first.start()
    first.stop()
    context = {"user_id": "anna.schmidt", "user_role": "citizen"}
    with cluster_client(context_data=context, timeout=15.0) as client:
        waiting = [client.back.whoami.call_async() for _ in range(10)]
        refused = [client.back.administer.call_async() for _ in range(10)]
        runner_factory(Back).start()
        assert [call.result() for call in waiting] == [
            {"subject": "anna.schmidt", "role": "citizen"}
        ] * 10
        for call in refused:
            with pytest.raises(Forbidden):
                call.result()
