"""What the office sees: the clerks' queue, templates with versions and previews, the
delivery log with re-send, provider limits that hold messages back, and retention."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from services.common.settings import database_url
from services.notifications import errors
from tests.gateway.test_live_stream import (  # noqa: F401
    open_stream,
    start_instance,
    token_for,
)
from tests.notifications.test_delivery import appointment, confirmed
from tests.support.clients import as_caller
from tests.support.databases import database_transaction
from tests.support.notifications import ADMIN_EMAIL
from tests.support.publishing import publish
from tests.support.smtp import MailCatcher
from tests.support.waiting import wait_for

TRAFFIC = ("traffic",)  # the parking permits' department


def submitted(**changes):
    return {
        "case_id": str(uuid.uuid4()),
        "case_number": "2026-BPA-000123",
        "application_type": "bewohnerparkausweis",
        "department": "traffic",
        "type_name": "Bewohnerparkausweis",
        "citizen": "anna",
        "email": "anna@example.org",
        "language": "de",
        "processing_days": 10,
        "submitted_at": "2026-11-25T10:00:00+00:00",
        "recipient_name": "Anna Schmidt",
        "fee_cents": 3060,
        "attachments": [],
        **changes,
    }


def test_a_submitted_application_reaches_the_citizen_and_its_departments_queue(
    notifications, mail_catcher, sent
):
    event = publish("applications", "application_submitted", submitted())

    [mail] = wait_for(lambda: mail_catcher.to("anna@example.org"), timeout=10)
    assert mail["Subject"] == "Ihr Antrag 2026-BPA-000123 ist eingegangen"
    assert "innerhalb von 10 Tagen" in mail.get_body(("plain",)).get_content()
    item = sent.wait_for_one("clerk_queue_item_added", event_id=str(event.event_id))
    assert item["payload"]["role"] == "clerk"
    assert item["payload"]["department"] == "traffic"
    assert item["payload"]["title"] == "Neuer Antrag 2026-BPA-000123 (bewohnerparkausweis)"
    assert "email" not in item["payload"]["facts"] and "citizen" not in item["payload"]["facts"]
    with (
        as_caller("clerk", "clara", TRAFFIC) as clara,
        as_caller("clerk", "carl", ("taxes", "traffic")) as carl,
    ):
        [queued] = clara.notifications.inbox()["items"]
        assert queued["audience"] == "role"
        clara.notifications.mark_read(queued["item_id"])
        assert clara.notifications.unread_count() == {"unread": 0}
        assert carl.notifications.unread_count() == {"unread": 1}  # each clerk reads for himself
    with as_caller("citizen", "anna") as anna:
        [own] = anna.notifications.inbox()["items"]
        assert own["audience"] == "personal"
        with pytest.raises(errors.InboxItemNotFound):
            anna.notifications.mark_read(queued["item_id"])


def test_a_clerk_of_another_department_hears_nothing_of_a_new_application(notifications, sent):
    event = publish("applications", "application_submitted", submitted())

    sent.wait_for_one("clerk_queue_item_added", event_id=str(event.event_id))
    with (
        as_caller("clerk", "theo", ("taxes",)) as theo,
        as_caller("clerk", "nina") as nina,
        as_caller("clerk", "clara", TRAFFIC) as clara,
    ):
        for other in (theo, nina):  # of another department, of none
            assert other.notifications.inbox()["items"] == []
            assert other.notifications.unread_count() == {"unread": 0}
        assert clara.notifications.unread_count() == {"unread": 1}


def test_a_new_application_reaches_the_live_stream_of_its_departments_clerks_only(
    notifications,
    start_instance,  # noqa: F811
    open_stream,  # noqa: F811
):
    base, _ = start_instance()
    clara = open_stream(base, token_for(base, "clerk", "clara", list(TRAFFIC)))
    theo = open_stream(base, token_for(base, "clerk", "theo", ["taxes"]))
    nina = open_stream(base, token_for(base, "clerk", "nina"))
    admin = open_stream(base, token_for(base, "admin", "root"))

    event = publish("applications", "application_submitted", submitted())

    [for_clara] = wait_for(clara.items, timeout=10)
    assert for_clara["event_id"] == str(event.event_id)
    assert for_clara["department"] == "traffic"
    assert for_clara["facts"]["case_number"] == "2026-BPA-000123"
    assert wait_for(admin.items, timeout=5) == [for_clara]
    # the hub hands an item to every stream at once: had theirs wanted it, it would be there
    time.sleep(0.3)
    assert theo.items() == [] and nina.items() == []


def test_an_application_event_from_before_departments_is_queued_for_the_admins_only(
    notifications, sent
):
    event = publish("applications", "application_submitted", submitted(department=None))

    item = sent.wait_for_one("clerk_queue_item_added", event_id=str(event.event_id))
    assert item["payload"]["role"] == "admin" and "department" not in item["payload"]
    with as_caller("clerk", "clara", TRAFFIC) as clara, as_caller("admin", "root") as root:
        assert clara.notifications.inbox()["items"] == []
        assert root.notifications.unread_count() == {"unread": 1}


def test_a_status_change_is_told_only_when_the_citizen_is_to_be_informed(
    notifications, mail_catcher
):
    changed = {**submitted(), "status": "in_review", "status_text": "Wir prüfen Ihren Antrag."}
    for name in ("processing_days", "submitted_at", "recipient_name", "fee_cents", "attachments"):
        changed.pop(name)
    publish("applications", "application_status_changed", {**changed, "inform_citizen": False})
    publish("applications", "application_status_changed", {**changed, "inform_citizen": True})

    [mail] = wait_for(lambda: mail_catcher.to("anna@example.org"), timeout=10)
    assert mail["Subject"] == "Ihr Antrag 2026-BPA-000123: Wir prüfen Ihren Antrag."
    time.sleep(0.5)
    assert len(mail_catcher.to("anna@example.org")) == 1


def test_a_new_template_version_is_used_and_previewed(notifications, mail_catcher):
    with as_caller("admin", "root") as cluster:
        version = cluster.notifications.add_template_version(
            "appointment_cancelled",
            {
                "language": "de",
                "subject": "Abgesagt: ((service_name)) am ((start|date))",
                "body": "Hallo ((name)),\n\nleider abgesagt.\n\n((office))",
            },
        )
        assert version["version"] == 2
        preview = cluster.notifications.preview_template(
            "appointment_cancelled",
            {
                "language": "de",
                "values": {
                    "name": "<b>Anna</b>",
                    "service_name": "Reisepass",
                    "start": "2026-12-01T09:30:00+01:00",
                },
            },
        )
        assert preview["subject"] == "Abgesagt: Reisepass am Dienstag, 1. Dezember 2026"
        assert "Hallo &lt;b&gt;Anna&lt;/b&gt;," in preview["html"]
        assert preview["text"].startswith("Hallo Anna,")
        old = cluster.notifications.preview_template(
            "appointment_cancelled", {"language": "de", "version": 1, "values": preview_values()}
        )
        assert old["subject"].endswith("ist abgesagt")
        described = cluster.notifications.get_template("appointment_cancelled")
        assert [v["version"] for v in described["versions"]["de"]] == [1, 2]
    publish("appointments", "appointment_cancelled", appointment(cancelled_by="office", ics="x"))

    [mail] = wait_for(lambda: mail_catcher.to("anna@example.org"), timeout=10)
    assert mail["Subject"] == "Abgesagt: Personalausweis beantragen am Dienstag, 1. Dezember 2026"


def preview_values():
    return {
        "name": "Anna",
        "service_name": "Reisepass",
        "location_name": "Rathaus",
        "start": "2026-12-01T09:30:00+01:00",
    }


def test_template_mistakes_are_refused_with_codes(notifications):
    with as_caller("admin", "root") as cluster:
        with pytest.raises(errors.UnknownTemplate):
            cluster.notifications.preview_template("no_such_template", {})
        with pytest.raises(errors.MissingValues) as missing:
            cluster.notifications.preview_template("appointment_cancelled", {"values": {}})
        assert "service_name" in missing.value.details["missing"]
        with pytest.raises(errors.UnknownPlaceholder) as unknown:
            cluster.notifications.add_template_version(
                "appointment_cancelled",
                {"language": "en", "subject": "((iban))", "body": "((name))"},
            )
        assert unknown.value.details["unknown"] == ["iban"]
        with pytest.raises(errors.UnknownTemplate):
            cluster.notifications.preview_template(
                "appointment_cancelled", {"version": 9, "values": preview_values()}
            )
    with as_caller("citizen", "anna") as cluster, pytest.raises(Exception) as refused:
        cluster.notifications.list_templates()
    assert type(refused.value).__name__ == "Forbidden"


def test_a_failed_message_is_re_sent_from_the_log(notifications, mail_catcher, sent):
    # Anna's mailbox is full for now: every try of hers fails, the admins' alert goes out
    mail_catcher.stop()
    full = MailCatcher(mail_catcher.port, mail_catcher.folder, defer=("anna@example.org",))
    full.start()
    event = publish("appointments", "appointment_confirmed", confirmed())
    failed = sent.wait_for_one("notification_failed", event_id=str(event.event_id), timeout=20)
    assert failed["payload"]["status"] == "temporary_failure"
    assert failed["payload"]["attempts"] == 3
    message_id = failed["payload"]["message_id"]
    # the admins heard of the failure before the re-send
    [alert] = wait_for(lambda: mail_catcher.to(ADMIN_EMAIL), timeout=20)
    assert message_id in alert.get_body(("plain",)).get_content()
    full.stop()
    mail_catcher.start()  # the mailbox has room again
    with as_caller("admin", "root") as cluster:
        log = cluster.notifications.delivery(message_id)
        assert [a["outcome"] for a in log["attempt_log"]] == ["temporary_failure"] * 3
        assert "451" in log["attempt_log"][-1]["response"]
        cluster.notifications.resend(message_id)
        with pytest.raises(errors.NotResendable):
            wait_for(lambda: cluster.notifications.delivery(message_id)["status"] == "delivered")
            cluster.notifications.resend(message_id)
        assert cluster.notifications.delivery(message_id)["attempts"] == 4
    [mail] = mail_catcher.to("anna@example.org")
    assert mail["Message-ID"].startswith(f"<{message_id}@")


@pytest.fixture
def limited(notification_settings):
    notification_settings.update(sms_rate=2, rate_window_seconds=1.5)


def test_a_provider_limit_holds_messages_back_and_drops_none(limited, notifications, sms_provider):
    for number in range(5):
        with as_caller("citizen", f"citizen-{number}") as cluster:
            cluster.notifications.set_preferences(
                {
                    "language": "de",
                    "channels": {"email": False, "sms": True, "inbox": False},
                    "phone": f"+49151000000{number}",
                }
            )
    started = time.monotonic()
    for number in range(5):
        publish("appointments", "appointment_confirmed", confirmed(citizen=f"citizen-{number}"))

    # five events taken on a busy machine may take a while; the limit is counted from the
    # first sending on, not from here
    wait_for(lambda: len(sms_provider.received) >= 2, timeout=30)
    time.sleep(0.5)
    assert len(sms_provider.received) == 2  # the window's share, the rest held back
    wait_for(lambda: len(sms_provider.received) == 5, timeout=30)
    assert time.monotonic() - started >= 3.0  # three windows for five messages


@pytest.fixture
def short_retention(notification_settings):
    notification_settings.update(body_retention_days=1, purge_interval=0.5)


def test_message_texts_are_purged_after_their_retention_and_the_log_stays(
    short_retention, notifications, mail_catcher
):
    event = publish("appointments", "appointment_confirmed", confirmed())
    wait_for(lambda: mail_catcher.to("anna@example.org"), timeout=10)
    with database_transaction(database_url("notifications")) as connection:  # two days pass
        connection.execute(
            text("UPDATE messages SET updated_at = :then"),
            {"then": datetime.now(UTC) - timedelta(days=2)},
        )
    with as_caller("admin", "root") as cluster:
        [entry] = cluster.notifications.deliveries({"event_id": str(event.event_id)})["deliveries"]
        purged = wait_for(lambda: cluster.notifications.delivery(entry["message_id"])["purged"])
        assert purged
        log = cluster.notifications.delivery(entry["message_id"])
        assert log["subject"] is None and log["text"] is None
        assert log["status"] == "delivered" and len(log["attempt_log"]) == 1
        with pytest.raises(errors.NotResendable):
            cluster.notifications.resend(entry["message_id"])
