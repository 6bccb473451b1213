"""Webhooks: subscribe with a test call, receive signed thin payloads, filters decide."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from services.notifications import errors
from services.notifications.webhooks import check_callback_url
from tests.notifications.test_delivery import confirmed
from tests.support.clients import as_caller
from tests.support.publishing import publish
from tests.support.waiting import wait_for

SECRET = "a-webhook-secret-of-some-length"
CONFIRMED = "appointments.appointment_confirmed"


def subscribe(receiver, **changes):
    spec = {
        "event_types": [CONFIRMED],
        "filters": {},
        "callback_url": f"{receiver.url}/hooks/rathaus",
        "secret": SECRET,
        **changes,
    }
    with as_caller("admin", "root") as cluster:
        return cluster.notifications.subscribe(spec)


def verified(request) -> dict:
    """The body, after checking the signature as a receiver must."""
    timestamp = request.headers["X-Rathaus-Timestamp"]
    assert abs(time.time() - int(timestamp)) < 60
    expected = hmac.new(
        SECRET.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert request.headers["X-Rathaus-Signature"] == f"v1={expected}"
    return json.loads(request.body)


def test_a_subscription_is_tested_then_gets_signed_thin_events(notifications, receiver):
    subscription = subscribe(receiver)

    [test_call] = receiver.received
    assert verified(test_call)["event_type"] == "notifications.subscription_test"
    assert "secret" not in subscription
    event = publish("appointments", "appointment_confirmed", confirmed(citizen="anna"))

    delivery = wait_for(lambda: receiver.received[1:], timeout=10)[0]
    body = verified(delivery)
    assert delivery.path == "/hooks/rathaus"
    assert delivery.headers["X-Rathaus-Event"] == CONFIRMED
    assert body["event_id"] == str(event.event_id)
    assert body["subscription_id"] == subscription["subscription_id"]
    # ids and non-personal facts only: no address, name, account or secret link
    assert body["data"] == {
        "appointment_id": event.payload["appointment_id"],
        "service": "personalausweis",
        "location": "rathaus",
        "start": "2026-12-01T09:30:00+01:00",
        "end": "2026-12-01T09:45:00+01:00",
    }
    raw = delivery.body.decode()
    for secret in ("anna@example.org", "Anna Schmidt", "manage?token", "BEGIN:VCALENDAR"):
        assert secret not in raw


def test_filters_take_exact_values_or_any(notifications, receiver):
    subscribe(receiver, filters={"location": "rathaus", "service": "*"})
    publish("appointments", "appointment_confirmed", confirmed(location="soest-nord"))
    publish("appointments", "appointment_confirmed", confirmed())

    wait_for(lambda: len(receiver.received) >= 2, timeout=10)
    time.sleep(0.5)
    assert [json.loads(r.body)["data"]["location"] for r in receiver.received[1:]] == ["rathaus"]


def test_a_failing_test_call_refuses_the_subscription(notifications, receiver):
    receiver.status = 500
    with pytest.raises(errors.CallbackTestFailed) as refused:
        subscribe(receiver)
    assert refused.value.details["answer"].startswith("500")
    with as_caller("admin", "root") as cluster:
        assert cluster.notifications.list_subscriptions() == {"subscriptions": []}


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"callback_url": "ftp://example.org/hook"}, errors.InvalidCallbackUrl),
        ({"callback_url": "http://user:pw@example.org/hook"}, errors.InvalidCallbackUrl),
        ({"event_types": ["appointments.appointment_teleported"]}, errors.UnknownEventType),
        ({"filters": {"email": "anna@example.org"}}, errors.UnknownAttribute),
    ],
)
def test_bad_subscriptions_are_refused_with_a_code(notifications, receiver, changes, error):
    with pytest.raises(error):
        subscribe(receiver, **changes)
    assert receiver.received == []


def test_private_callbacks_are_refused_where_not_allowed():
    with pytest.raises(errors.InvalidCallbackUrl):
        check_callback_url("https://127.0.0.1/hook", private_allowed=False)
    with pytest.raises(errors.InvalidCallbackUrl):
        check_callback_url("http://example.org/hook", private_allowed=False)


def test_a_receiver_that_is_down_gets_the_event_later(notifications, receiver, sent):
    subscribe(receiver)
    receiver.statuses.extend([503, 503])
    publish("appointments", "appointment_confirmed", confirmed())

    sent_facts = sent.wait_for_one("notification_sent", channel="webhook")
    assert sent_facts["payload"]["attempts"] >= 1
    wait_for(lambda: len(receiver.received) == 4, timeout=10)  # test call, 503, 503, 200
    with as_caller("admin", "root") as cluster:
        log = cluster.notifications.delivery(sent_facts["payload"]["message_id"])
    assert log["status"] == "delivered"
    assert [a["outcome"] for a in log["attempt_log"]][-1] == "delivered"


def test_a_removed_subscription_gets_nothing_more(notifications, receiver):
    subscription = subscribe(receiver)
    with as_caller("admin", "root") as cluster:
        cluster.notifications.unsubscribe(subscription["subscription_id"])
        with pytest.raises(errors.SubscriptionNotFound):
            cluster.notifications.unsubscribe(subscription["subscription_id"])
    publish("appointments", "appointment_confirmed", confirmed())
    time.sleep(1)
    assert len(receiver.received) == 1  # the test call only
