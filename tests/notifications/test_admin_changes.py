"""An administrator's changes to templates, webhooks and the delivery log are kept in the
audit trail: who, when, before and after, never a secret."""

from __future__ import annotations

import pytest

from services.common.errors import Forbidden
from tests.notifications.test_delivery import confirmed
from tests.support.clients import as_caller
from tests.support.publishing import publish
from tests.support.waiting import wait_for

SECRET = "a-webhook-secret-of-some-length"
TEMPLATE = "appointment_confirmed"


@pytest.fixture
def admin(notifications):
    with as_caller("admin", "admin.anna", (), "Anna Admin") as cluster:
        yield cluster.notifications


def test_a_template_version_is_in_the_trail_with_the_text_before_and_after(admin):
    admin.add_template_version(
        TEMPLATE, {"language": "en", "subject": "See you, ((name))", "body": "Hello ((name))."}
    )

    [change] = admin.audit_trail()["changes"]
    assert (change["entity"], change["key"], change["action"]) == (
        "template",
        f"{TEMPLATE}/en",
        "changed",
    )
    assert (change["actor"], change["actor_name"]) == ("admin.anna", "Anna Admin")
    assert change["before"]["version"] == 1
    assert change["after"] == {
        "version": 2,
        "subject": "See you, ((name))",
        "body": "Hello ((name)).",
        "sms": None,
    }


def test_a_webhook_added_and_removed_is_in_the_trail_without_its_secret(admin, receiver):
    made = admin.subscribe(
        {
            "event_types": ["appointments.appointment_confirmed"],
            "callback_url": f"{receiver.url}/hooks",
            "secret": SECRET,
        }
    )
    admin.unsubscribe(made["subscription_id"])

    removed, created = admin.audit_trail({"entities": ["webhook"]})["changes"]
    assert (created["action"], created["before"]) == ("created", None)
    assert created["after"]["callback_url"] == f"{receiver.url}/hooks"
    assert (removed["action"], removed["after"]) == ("removed", None)
    assert removed["key"] == made["subscription_id"]
    assert SECRET not in str(admin.audit_trail())


def test_a_message_re_sent_is_in_the_trail(admin, sent):
    event = publish(
        "appointments", "appointment_confirmed", confirmed(email="nobody@soest.example")
    )
    failed = sent.wait_for_one("notification_failed", event_id=str(event.event_id))
    message_id = failed["payload"]["message_id"]

    admin.resend(message_id)

    [change] = admin.audit_trail({"entities": ["message"], "key": message_id})["changes"]
    assert change["action"] == "resent"
    assert change["before"]["status"] == "permanent_failure"
    assert change["after"]["status"] == "created"
    wait_for(lambda: admin.delivery(message_id)["attempts"] == 2, timeout=10)


def test_a_clerk_reads_no_trail(notifications):
    with as_caller("clerk", "clerk.kim") as cluster, pytest.raises(Forbidden):
        cluster.notifications.audit_trail()
