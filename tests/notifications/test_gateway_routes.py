"""The notification routes, through the gateway to the real notifications service: who may
call them, what they answer, and how bad input is refused."""

from __future__ import annotations

import json
import uuid

import eventlet
import pytest

from tests.support.publishing import publish
from tests.support.waiting import wait_for

API = "/api/v1/notifications"


@pytest.fixture
def portal(notifications, start_gateway, web_session):
    """The notifications service and the gateway; answers the gateway's session."""
    start_gateway()
    return web_session


def confirmed_appointment(citizen: str | None, email: str = "anna@example.org") -> dict:
    return {
        "appointment_id": str(uuid.uuid4()),
        "service": "personalausweis",
        "location": "rathaus",
        "start": "2026-12-01T09:00:00+01:00",
        "end": "2026-12-01T09:15:00+01:00",
        "citizen": citizen,
        "email": email,
        "name": "Anna Schmidt",
        "language": "de",
        "service_name": "Personalausweis beantragen",
        "location_name": "Rathaus",
        "location_address": "Am Vreithof 8, 59494 Soest",
        "documents": ["Altes Ausweisdokument", "Biometrisches Passfoto"],
        "manage_url": "http://127.0.0.1:8000/termine/verwalten#t=abc",
        "ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
    }


def error_of(answer) -> dict:
    return answer.json()["error"]


def test_a_citizen_reads_their_inbox_marks_an_item_read_and_the_count_follows(portal, login):
    anna, bert = login("citizen", "anna"), login("citizen", "bert")
    publish("appointments", "appointment_confirmed", confirmed_appointment("anna"))

    inbox = wait_for(
        lambda: (page := portal.get(f"{API}/inbox", headers=anna).json())["items"] and page
    )

    [item] = inbox["items"]
    assert item["audience"] == "personal"
    assert item["read_at"] is None
    assert item["event_type"] == "appointments.appointment_confirmed"
    assert inbox["unread"] == 1 and inbox["next_cursor"] is None
    assert portal.get(f"{API}/inbox/unread-count", headers=anna).json() == {"unread": 1}
    assert portal.get(f"{API}/inbox", headers=bert).json()["items"] == []

    read = portal.post(f"{API}/inbox/{item['item_id']}/read", headers=anna)

    assert read.status_code == 200
    assert read.json()["item_id"] == item["item_id"] and read.json()["read_at"]
    assert portal.get(f"{API}/inbox/unread-count", headers=anna).json() == {"unread": 0}
    unread_only = portal.get(f"{API}/inbox", params={"unread_only": "true"}, headers=anna)
    assert unread_only.json()["items"] == []
    assert portal.post(f"{API}/inbox/read-all", headers=anna).json() == {"marked": 0}


def test_an_item_of_someone_elses_inbox_is_not_found(portal, login):
    publish("appointments", "appointment_confirmed", confirmed_appointment("anna"))
    anna = login("citizen", "anna")
    [item] = wait_for(lambda: portal.get(f"{API}/inbox", headers=anna).json()["items"])

    answer = portal.post(f"{API}/inbox/{item['item_id']}/read", headers=login("citizen", "bert"))

    assert answer.status_code == 404
    assert error_of(answer)["code"] == "inbox_item_not_found"


def test_the_inbox_refuses_a_query_it_does_not_know(portal, login):
    answer = portal.get(
        f"{API}/inbox", params={"limit": "0", "colour": "red"}, headers=login("citizen")
    )

    assert answer.status_code == 400
    assert set(error_of(answer)["details"]) == {"limit", "colour"}


def test_preferences_are_the_defaults_until_saved_then_what_was_saved(portal, login):
    anna = login("citizen", "anna")
    chosen = {
        "language": "en",
        "channels": {"email": False, "sms": True, "inbox": True},
        "email": None,
        "phone": "+4915112345678",
        "non_essential": False,
    }

    before = portal.get(f"{API}/preferences", headers=anna).json()
    saved = portal.put(f"{API}/preferences", json=chosen, headers=anna)

    assert before["updated_at"] is None
    assert saved.status_code == 200
    assert saved.json()["updated_at"] is not None
    assert {key: saved.json()[key] for key in chosen} == chosen
    assert portal.get(f"{API}/preferences", headers=anna).json() == saved.json()


def test_bad_preferences_are_refused_with_each_fields_message(portal, login):
    answer = portal.put(
        f"{API}/preferences",
        json={"language": "fr", "channels": {"email": True}, "phone": "0171 1234567"},
        headers=login("citizen"),
    )

    assert answer.status_code == 400
    error = error_of(answer)
    assert error["code"] == "invalid_input"
    assert set(error["details"]) == {"language", "channels", "phone"}
    assert set(error["details"]["channels"]) == {"sms", "inbox"}
    assert error["details"]["phone"] == ["An international number: +49..."]


def test_an_admin_subscribes_a_webhook_lists_it_and_unsubscribes(portal, login, receiver):
    admin = login("admin")
    spec = {
        "event_types": ["appointments.appointment_confirmed"],
        "filters": {"location": "rathaus"},
        "callback_url": f"{receiver.url}/hooks/rathaus",
        "secret": "a-webhook-secret-of-some-length",
    }

    created = portal.post(f"{API}/subscriptions", json=spec, headers=admin)

    assert created.status_code == 201, created.text
    subscription = created.json()
    assert "secret" not in subscription
    assert subscription["created_by"] == "test-admin"
    listed = portal.get(f"{API}/subscriptions", headers=admin).json()["subscriptions"]
    assert listed == [subscription]
    removed = portal.delete(f"{API}/subscriptions/{subscription['subscription_id']}", headers=admin)
    assert removed.status_code == 204
    again = portal.delete(f"{API}/subscriptions/{subscription['subscription_id']}", headers=admin)
    assert error_of(again)["code"] == "subscription_not_found"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"callback_url": "ftp://hooks.example.org/rathaus"}, "invalid_callback_url"),
        ({"event_types": ["appointments.appointment_teleported"]}, "unknown_event_type"),
        ({"filters": {"email": "anna@example.org"}}, "unknown_attribute"),
        ({"secret": "short"}, "invalid_input"),
    ],
)
def test_a_subscription_that_cannot_be_kept_is_refused(portal, login, receiver, changes, code):
    spec = {
        "event_types": ["appointments.appointment_confirmed"],
        "callback_url": f"{receiver.url}/hooks/rathaus",
        "secret": "a-webhook-secret-of-some-length",
        **changes,
    }

    answer = portal.post(f"{API}/subscriptions", json=spec, headers=login("admin"))

    assert answer.status_code == 400
    assert error_of(answer)["code"] == code
    assert receiver.received == []  # refused before any test call


@pytest.mark.parametrize("role", ["citizen", "clerk"])
def test_webhooks_and_the_delivery_log_are_for_admins_only(portal, login, role):
    headers = login(role)

    answers = [
        portal.get(f"{API}/subscriptions", headers=headers),
        portal.post(f"{API}/subscriptions", json={}, headers=headers),
        portal.get(f"{API}/deliveries", headers=headers),
        portal.get(f"{API}/deliveries/{uuid.uuid4()}", headers=headers),
        portal.post(f"{API}/deliveries/{uuid.uuid4()}/resend", headers=headers),
    ]

    assert [answer.status_code for answer in answers] == [403] * len(answers)
    assert {error_of(answer)["code"] for answer in answers} == {"forbidden"}


def test_an_admin_reads_the_delivery_log_and_a_delivered_message_is_not_resent(portal, login):
    admin = login("admin")
    publish("appointments", "appointment_confirmed", confirmed_appointment(None))

    [delivery] = wait_for(
        lambda: portal.get(
            f"{API}/deliveries", params={"status": "delivered"}, headers=admin
        ).json()["deliveries"]
    )

    assert delivery["channel"] == "email"
    assert delivery["recipient"] == "a***@example.org"  # masked
    detail = portal.get(f"{API}/deliveries/{delivery['message_id']}", headers=admin).json()
    assert detail["subject"] and detail["text"]
    assert [attempt["outcome"] for attempt in detail["attempt_log"]] == ["delivered"]
    resent = portal.post(f"{API}/deliveries/{delivery['message_id']}/resend", headers=admin)
    assert resent.status_code == 409
    assert error_of(resent)["code"] == "not_resendable"
    missing = portal.get(f"{API}/deliveries/{uuid.uuid4()}", headers=admin)
    assert error_of(missing)["code"] == "message_not_found"


def test_a_clerk_previews_a_template_with_the_values_given(portal, login):
    clerk = login("clerk")
    values = {
        "name": "Anna Schmidt",
        "service_name": "Personalausweis beantragen",
        "start": "2026-12-01T09:00:00+01:00",
        "location_name": "Rathaus",
        "location_address": "Am Vreithof 8",
        "documents": "Passfoto",
        "manage_url": "http://127.0.0.1:8000/termine/verwalten",
    }

    answer = portal.post(
        f"{API}/templates/appointment_confirmed/preview",
        json={"language": "de", "values": values},
        headers=clerk,
    )

    assert answer.status_code == 200, answer.text
    preview = answer.json()
    assert (preview["name"], preview["language"], preview["version"]) == (
        "appointment_confirmed",
        "de",
        1,
    )
    assert "Anna Schmidt" in preview["text"] and "Anna Schmidt" in preview["html"]
    listed = portal.get(f"{API}/templates", headers=clerk).json()["templates"]
    assert "appointment_confirmed" in [template["name"] for template in listed]


def test_a_preview_of_an_unknown_template_or_without_its_values_is_refused(portal, login):
    clerk = login("clerk")

    unknown = portal.post(f"{API}/templates/no_such_template/preview", json={}, headers=clerk)
    lacking = portal.post(f"{API}/templates/appointment_confirmed/preview", json={}, headers=clerk)
    described = portal.get(f"{API}/templates/no_such_template", headers=clerk)

    assert unknown.status_code == 404
    assert error_of(unknown)["code"] == "unknown_template"
    assert described.status_code == 404
    assert lacking.status_code == 400
    assert error_of(lacking)["code"] == "missing_values"
    assert "name" in error_of(lacking)["details"]["missing"]


def test_templates_are_for_the_office_and_new_versions_for_admins(portal, login):
    version = {"language": "de", "subject": "Termin", "body": "Guten Tag ((name))"}

    as_citizen = portal.get(f"{API}/templates", headers=login("citizen"))
    as_clerk = portal.post(
        f"{API}/templates/appointment_confirmed/versions", json=version, headers=login("clerk")
    )
    as_admin = portal.post(
        f"{API}/templates/appointment_confirmed/versions", json=version, headers=login("admin")
    )

    assert as_citizen.status_code == 403
    assert as_clerk.status_code == 403
    assert as_admin.status_code == 201, as_admin.text
    assert as_admin.json()["version"] == 2 and as_admin.json()["created_by"] == "test-admin"
    described = portal.get(f"{API}/templates/appointment_confirmed", headers=login("clerk"))
    assert [v["version"] for v in described.json()["versions"]["de"]] == [1, 2]


def test_a_clerk_on_the_live_stream_hears_of_a_check_in_as_it_lands_in_the_queue(portal, login):
    clerk = login("clerk")
    checked_in = {
        key: value
        for key, value in confirmed_appointment("anna").items()
        if key in ("appointment_id", "service", "location", "start", "end", "citizen")
    }
    stream = portal.get(f"{API}/stream", headers=clerk, stream=True, timeout=20)
    lines: list[str] = []
    reader = eventlet.spawn(
        lambda: lines.extend(stream.iter_lines(chunk_size=None, decode_unicode=True))
    )
    try:
        wait_for(lambda: any(line.startswith("retry:") for line in lines), timeout=15)

        publish("appointments", "appointment_checked_in", checked_in)

        data = wait_for(lambda: [line for line in lines if line.startswith("data: ")], timeout=15)
    finally:
        reader.kill()
        stream.close()
    item = json.loads(data[0].removeprefix("data: "))
    assert (item["role"], item["event_type"]) == ("clerk", "appointments.appointment_checked_in")
    assert item["facts"]["appointment_id"] == checked_in["appointment_id"]
    assert "citizen" not in item["facts"]  # the account never leaves the platform
    # what the stream said, the inbox keeps
    [queued] = portal.get(f"{API}/inbox", headers=clerk).json()["items"]
    assert (queued["item_id"], queued["audience"]) == (item["item_id"], "role")
