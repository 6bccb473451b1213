"""Webhook subscriptions: tested before they are kept, filtered on public facts only, in the
audit trail without their secret, and fed with the public facts of the events they name."""

from __future__ import annotations

import pytest

from services.common.loading import load
from services.notifications.errors import (
    CallbackTestFailed,
    InvalidCallbackUrl,
    SubscriptionNotFound,
    UnknownAttribute,
    UnknownEventType,
)
from services.notifications.models import MessageRow
from services.notifications.schemas import SubscriptionInput
from services.notifications.use_cases.audit import ReadAuditTrail, read_audit_trail
from services.notifications.use_cases.taking import TakeEvent, take_event
from services.notifications.use_cases.webhooks import (
    Subscribe,
    Unsubscribe,
    list_subscriptions,
    subscribe,
    unsubscribe,
)
from tests.unit.notifications.scene import (
    ADA,
    MOMENT,
    CallbackTests,
    Kicks,
    appointment_held,
    clock,
    rows,
    setup,
)

CALLBACK = "https://hooks.example.org/rathaus"
SECRET = "a-secret-of-sixteen-or-more"


@pytest.fixture
def intake(tmp_path):
    return setup(tmp_path, private_callbacks=True)


def spec(**changes):
    asked = {
        "event_types": ["appointments.appointment_held"],
        "callback_url": CALLBACK,
        "secret": SECRET,
        **changes,
    }
    return load(SubscriptionInput, asked)


def subscribed(uow, intake, calls=None, key=None, **changes):
    command = Subscribe(ADA, spec(**changes), key)
    return subscribe(command, uow, clock(), intake.settings, calls or CallbackTests())


def test_a_subscription_is_kept_once_its_callback_answered_the_test_call(uow, intake):
    calls = CallbackTests()

    made = subscribed(uow, intake, calls)

    assert calls.calls == [(CALLBACK, SECRET, intake.settings.webhook_timeout, MOMENT)]
    assert (made["callback_url"], made["created_by"]) == (CALLBACK, "ada")
    assert "secret" not in made
    assert list_subscriptions(uow) == {"subscriptions": [made]}


def test_a_callback_that_fails_its_test_call_subscribes_nothing(uow, intake):
    refusal = CallbackTestFailed("No 2xx.", {"callback_url": CALLBACK, "answer": "500"})

    with pytest.raises(CallbackTestFailed):
        subscribed(uow, intake, CallbackTests(refusal))

    assert list_subscriptions(uow) == {"subscriptions": []}


def test_the_same_subscription_sent_again_with_its_key_is_answered_without_a_second_call(
    uow, intake
):
    calls = CallbackTests()
    first = subscribed(uow, intake, calls, key="k-1")

    again = subscribed(uow, intake, calls, key="k-1")

    assert again == first and len(calls.calls) == 1
    assert len(list_subscriptions(uow)["subscriptions"]) == 1


def test_an_event_type_nobody_publishes_is_refused_before_any_call(uow, intake):
    calls = CallbackTests()

    with pytest.raises(UnknownEventType) as refused:
        subscribed(uow, intake, calls, event_types=["appointments.appointment_eaten"])

    assert refused.value.details == {"unknown": ["appointments.appointment_eaten"]}
    assert calls.calls == []


def test_a_filter_on_an_attribute_the_event_keeps_inside_is_refused(uow, intake):
    with pytest.raises(UnknownAttribute) as refused:
        subscribed(uow, intake, filters={"email": "anna@example.org"})

    assert refused.value.code == "unknown_attribute"
    assert refused.value.details["unknown"] == ["email"]


def test_a_callback_on_a_private_address_is_refused_in_production(uow, tmp_path):
    production = setup(tmp_path, private_callbacks=False)

    with pytest.raises(InvalidCallbackUrl):
        subscribed(uow, production, callback_url="https://127.0.0.1/hook")


def test_a_callback_that_is_not_http_is_refused(uow, intake):
    with pytest.raises(InvalidCallbackUrl) as refused:
        subscribed(uow, intake, callback_url="ftp://hooks.example.org/x")

    assert refused.value.code == "invalid_callback_url"


def test_a_matching_event_is_sent_to_the_subscriber_with_public_facts_only(uow, intake):
    made = subscribed(uow, intake, filters={"service": "passport"})
    kicks = Kicks()

    take_event(TakeEvent("appointments", appointment_held()), uow, clock(), intake, kicks)

    [hook] = [row for row in rows(uow, MessageRow) if row.channel == "webhook"]
    assert hook.recipient == made["subscription_id"]
    assert hook.content["url"] == CALLBACK
    assert '"email"' not in hook.content["body"] and "anna@example.org" not in hook.content["body"]
    assert set(hook.content["facts"]) == {"appointment_id", "service", "location", "start", "end"}
    assert kicks.count == 1


def test_an_event_the_filter_does_not_match_is_not_sent(uow, intake):
    subscribed(uow, intake, filters={"service": "id_card"})

    take_event(TakeEvent("appointments", appointment_held()), uow, clock(), intake, Kicks())

    assert [row for row in rows(uow, MessageRow) if row.channel == "webhook"] == []


def test_an_ended_subscription_gets_nothing_more_and_cannot_be_ended_twice(uow, intake):
    made = subscribed(uow, intake)
    unsubscribe(Unsubscribe(ADA, made["subscription_id"]), uow, clock())

    take_event(TakeEvent("appointments", appointment_held()), uow, clock(), intake, Kicks())

    assert [row for row in rows(uow, MessageRow) if row.channel == "webhook"] == []
    assert list_subscriptions(uow) == {"subscriptions": []}
    with pytest.raises(SubscriptionNotFound):
        unsubscribe(Unsubscribe(ADA, made["subscription_id"]), uow, clock())


def test_subscribing_and_ending_are_in_the_audit_trail_without_the_secret(uow, intake):
    made = subscribed(uow, intake)
    unsubscribe(Unsubscribe(ADA, made["subscription_id"]), uow, clock())

    trail = read_audit_trail(
        ReadAuditTrail({"entities": None, "key": None, "limit": 20, "before": None}), uow
    )

    ended, created = trail["changes"]
    assert (created["entity"], created["action"], created["before"]) == ("webhook", "created", None)
    assert (ended["before"]["callback_url"], ended["after"]) == (CALLBACK, None)
    assert created["actor_name"] == "Ada Admin"
    assert SECRET not in str(trail)
