"""Events become messages on the real broker: e-mail to a real SMTP server, SMS to a local
provider, the inbox; each exactly once, with its log."""

from __future__ import annotations

import uuid

from tests.support.clients import as_caller
from tests.support.notifications import ADMIN_EMAIL
from tests.support.publishing import publish
from tests.support.waiting import wait_for

START = "2026-12-01T09:30:00+01:00"
END = "2026-12-01T09:45:00+01:00"
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def appointment(**changes):
    return {
        "appointment_id": str(uuid.uuid4()),
        "service": "personalausweis",
        "location": "rathaus",
        "start": START,
        "end": END,
        "citizen": None,
        "email": "anna@example.org",
        "name": "Anna Schmidt",
        "language": "de",
        "service_name": "Personalausweis beantragen",
        "location_name": "Rathaus Soest",
        "location_address": "Am Vreithof 8, 59494 Soest",
        **changes,
    }


def confirmed(**changes):
    calendar = {
        "documents": ["Reisepass", "Foto"],
        "manage_url": "http://127.0.0.1:8000/manage?token=secret-manage-token",
        "ics": ICS,
    }
    return appointment(**{**calendar, **changes})


def test_a_confirmed_appointment_is_mailed_in_german_with_html_text_and_the_ics(
    notifications, mail_catcher, sent
):
    event = publish("appointments", "appointment_confirmed", confirmed())

    [mail] = wait_for(lambda: mail_catcher.to("anna@example.org"), timeout=10)
    assert mail["Subject"] == "Ihr Termin am Dienstag, 1. Dezember 2026 ist gebucht"
    assert mail["From"] == "Bürgerbüro Soest <buergerbuero@soest.example>"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Personalausweis beantragen am Dienstag, 1. Dezember 2026, 09:30 Uhr" in text
    assert "http://127.0.0.1:8000/manage?token=secret-manage-token" in text
    assert '<a href="http://127.0.0.1:8000/manage?token=secret-manage-token">' in html
    [calendar] = [part for part in mail.iter_attachments()]
    assert calendar.get_content_type() == "text/calendar"
    assert calendar.get_filename() == "termin.ics"
    assert "METHOD:REQUEST" in calendar.get_content()
    facts = sent.wait_for_one("notification_sent", event_id=str(event.event_id))
    assert facts["payload"]["channel"] == "email"


def test_citizen_values_are_escaped_in_html_and_stripped_of_links_and_markup_in_text(
    notifications, mail_catcher
):
    name = "<script>alert(1)</script> Anna [click](http://evil.example) www.evil.example"
    publish("appointments", "appointment_confirmed", confirmed(name=name, language="en"))

    [mail] = wait_for(lambda: mail_catcher.to("anna@example.org"), timeout=10)
    assert mail["Subject"] == "Your appointment on Tuesday, 1 December 2026 is booked"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Hello alert(1) Anna click,\n" in text.replace("\r\n", "\n")
    assert "evil" not in text and "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Anna click" in html
    assert "<script>" not in html and "evil" not in html


def test_a_redelivered_event_makes_no_second_message(notifications, mail_catcher, sent):
    payload = confirmed()
    first = publish("appointments", "appointment_confirmed", payload)
    wait_for(lambda: mail_catcher.to("anna@example.org"), timeout=10)
    # the same event again, as the broker would redeliver it
    from services.common.events import Event
    from tests.support.publishing import publish_event

    again = Event(type="appointment_confirmed", payload=payload, event_id=first.event_id)
    publish_event("appointments", again)
    publish("appointments", "appointment_confirmed", confirmed(email="ben@example.org"))
    wait_for(lambda: mail_catcher.to("ben@example.org"), timeout=10)
    assert len(mail_catcher.to("anna@example.org")) == 1


def test_preferences_choose_sms_and_english_and_the_inbox(
    notifications, mail_catcher, sms_provider
):
    with as_caller("citizen", "anna") as cluster:
        cluster.notifications.set_preferences(
            {
                "language": "en",
                "channels": {"email": False, "sms": True, "inbox": True},
                "phone": "+4915112345678",
            }
        )
    publish("appointments", "appointment_confirmed", confirmed(citizen="anna"))

    [request] = wait_for(lambda: sms_provider.received, timeout=10)
    assert request.headers["Authorization"] == "Bearer sms-test-key"
    import json

    body = json.loads(request.body)
    assert body["to"] == "+4915112345678"
    assert body["text"].startswith("Your appointment Personalausweis beantragen on Tuesday")
    with as_caller("citizen", "anna") as cluster:
        inbox = wait_for(lambda: cluster.notifications.inbox()["items"], timeout=5)
        assert inbox[0]["title"] == "Your appointment on Tuesday, 1 December 2026 is booked"
        assert cluster.notifications.unread_count() == {"unread": 1}
        cluster.notifications.mark_read(inbox[0]["item_id"])
        assert cluster.notifications.unread_count() == {"unread": 0}
    with as_caller("citizen", "ben") as cluster:
        assert cluster.notifications.inbox()["items"] == []
    assert mail_catcher.messages() == []


def test_non_essential_messages_can_be_switched_off(notifications, mail_catcher):
    with as_caller("citizen", "anna") as cluster:
        cluster.notifications.set_preferences(
            {
                "language": "de",
                "channels": {"email": True, "sms": False, "inbox": False},
                "non_essential": False,
            }
        )
    publish("appointments", "appointment_reminder_due", confirmed(citizen="anna", manage_url=None))
    publish(
        "appointments",
        "appointment_cancelled",
        appointment(citizen="anna", cancelled_by="office", ics=ICS),
    )

    [mail] = wait_for(lambda: mail_catcher.to("anna@example.org"), timeout=10)
    assert mail["Subject"].endswith("ist abgesagt")


def test_a_refused_address_fails_for_good_and_admins_are_alerted(notifications, mail_catcher, sent):
    event = publish(
        "appointments", "appointment_confirmed", confirmed(email="nobody@soest.example")
    )

    failed = sent.wait_for_one("notification_failed", event_id=str(event.event_id))
    assert failed["payload"]["status"] == "permanent_failure"
    assert "550" in failed["payload"]["reason"]
    [alert] = wait_for(lambda: mail_catcher.to(ADMIN_EMAIL), timeout=10)
    assert (
        alert["Subject"] == "Zustellung fehlgeschlagen: email, appointments.appointment_confirmed"
    )
    with as_caller("admin", "root") as cluster:
        items = cluster.notifications.inbox()["items"]
        assert [item["audience"] for item in items] == ["role"]
        log = cluster.notifications.delivery(failed["payload"]["message_id"])
        assert log["status"] == "permanent_failure"
        assert log["recipient"] == "n***@soest.example"
        assert [a["outcome"] for a in log["attempt_log"]] == ["permanent_failure"]
