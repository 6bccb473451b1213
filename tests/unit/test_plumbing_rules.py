"""The plumbing's rules, without a broker or a database."""

import uuid
from datetime import UTC, datetime

import pytest
from marshmallow import Schema, fields

from services.common.context import Caller
from services.common.errors import Forbidden, NotFound, Unauthenticated
from services.common.events import Event, InvalidEvent, define_event, find_contract
from services.common.identity import IdentityVerifier
from services.common.settings import RetryPolicy, derive_database_url
from tests.support.clients import SIGNER

VERIFIER = IdentityVerifier.from_config()


@pytest.mark.parametrize(
    ("base", "service", "expected"),
    [
        ("sqlite:///var/rathaus.db", "appointments", "sqlite:///var/rathaus_appointments.db"),
        ("sqlite:////tmp/x/db", "feedback", "sqlite:////tmp/x/db_feedback"),
        (
            "postgresql://postgres@127.0.0.1:5432/rathaus",
            "documents",
            "postgresql://postgres@127.0.0.1:5432/rathaus_documents",
        ),
        (
            "postgresql://app:s3cret@db/rathaus",
            "gateway",
            "postgresql://app:s3cret@db/rathaus_gateway",
        ),
    ],
)
def test_each_service_gets_a_database_of_its_own_from_one_url(base, service, expected):
    assert derive_database_url(base, service) == expected


def test_retry_delays_double_until_the_cap():
    policy = RetryPolicy(max_retries=6, base_delay=1.0, max_delay=5.0)
    assert [policy.delay_for(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_an_envelope_round_trips_through_its_message_form():
    event = Event(type="thing_happened", payload={"thing_id": "t-1"}, correlation_id="c-1")
    assert Event.from_message(event.to_message()) == event


@pytest.mark.parametrize(
    "message",
    [
        "not an object",
        {"type": "thing_happened", "payload": {}},
        {
            "event_id": "not-a-uuid",
            "type": "x",
            "version": 1,
            "occurred_at": "2026-11-25T10:00:00+00:00",
            "correlation_id": None,
            "payload": {},
        },
        {
            "event_id": str(uuid.uuid4()),
            "type": "x",
            "version": 1,
            "occurred_at": datetime.now(UTC).isoformat(),
            "correlation_id": None,
            "payload": {},
            "smuggled": True,
        },
    ],
)
def test_a_malformed_envelope_is_refused(message):
    with pytest.raises(InvalidEvent):
        Event.from_message(message)


class ParcelSent(Schema):
    parcel_id = fields.UUID(required=True)


define_event("unit_post", "parcel_sent", ParcelSent, description="A parcel left the office.")


def test_a_payload_is_checked_against_its_contract():
    contract = find_contract("unit_post", "parcel_sent", 1)
    parcel_id = uuid.uuid4()
    assert contract.validate({"parcel_id": str(parcel_id)}) == {"parcel_id": parcel_id}
    with pytest.raises(InvalidEvent, match="parcel_id"):
        contract.validate({"parcel_id": "soon"})


def test_an_event_type_without_a_contract_is_refused():
    with pytest.raises(InvalidEvent, match="no contract"):
        find_contract("unit_post", "parcel_lost", 1)


def test_a_caller_without_the_role_is_refused():
    citizen = Caller(subject="anna", role="citizen")
    assert citizen.require("citizen", "clerk") is citizen
    with pytest.raises(Forbidden):
        citizen.require("admin")
    with pytest.raises(Unauthenticated):
        Caller(subject=None, role=None).require()


def test_a_callers_departments_and_name_travel_in_the_signed_assertion():
    clerk = Caller("clara", "clerk", departments=("roads", "environment"), name="Clara Koch")
    context = SIGNER.context_for(clerk)
    assert list(context) == ["identity"]
    assert VERIFIER.caller_of(context) == clerk
    assert SIGNER.context_for(Caller(subject=None, role=None)) == {}


def test_typed_errors_carry_code_and_details():
    error = NotFound("There is no case 2026-BPA-000123.", {"case": "2026-BPA-000123"})
    assert error.as_dict() == {
        "code": "not_found",
        "message": "There is no case 2026-BPA-000123.",
        "details": {"case": "2026-BPA-000123"},
    }
    assert error.http_status == 404
