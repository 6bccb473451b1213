"""Events of other services made into messages: who is told, on which channel, what leaves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.appointments.events import APPOINTMENT_HOLD_EXPIRED
from services.common.database import EventAlreadyHandled
from services.notifications.models import InboxItemRow, MessageRow, PreferenceRow
from services.notifications.use_cases.taking import (
    TakeEvent,
    TakeEvents,
    purge_expired,
    take_event,
    take_events,
)
from tests.unit.notifications.scene import (
    ADMIN_EMAIL,
    MOMENT,
    Kicks,
    application_submitted,
    appointment_held,
    checked_in,
    clock,
    event,
    no_show,
    rating_invited,
    reminder_due,
    rows,
    setup,
    unit_of_work,
)


@pytest.fixture
def kicks():
    return Kicks()


def take(uow, intake, kicks, source, taken, at=None):
    return take_event(TakeEvent(source, taken), uow, at or clock(), intake, kicks)


def prefer(uow, subject="anna", **changes):
    values = dict(
        subject=subject, language="de", email_on=True, sms_on=False, inbox_on=True,
        email=None, phone=None, non_essential=True, updated_at=MOMENT,
    )  # fmt: skip
    with uow.transaction() as tx:
        tx.session.add(PreferenceRow(**{**values, **changes}))


def test_a_held_appointment_mails_the_citizen_and_puts_it_in_their_inbox(tmp_path, uow, kicks):
    waiting = take(uow, setup(tmp_path), kicks, "appointments", appointment_held())

    messages = {row.channel: row for row in rows(uow, MessageRow)}
    assert sorted(messages) == ["email", "inbox"]
    assert messages["email"].recipient == "anna@example.org"
    assert messages["email"].status == "created" and not messages["email"].final
    assert messages["inbox"].status == "delivered" and messages["inbox"].final
    assert (waiting, kicks.count) == (1, 1)


def test_the_mail_is_rendered_in_the_citizens_language_with_its_link(tmp_path, uow, kicks):
    take(uow, setup(tmp_path), kicks, "appointments", appointment_held(language="en"))

    [mail] = [row for row in rows(uow, MessageRow) if row.channel == "email"]
    assert mail.language == "en"
    assert mail.content["subject"] == "EN Termin Reisepass"
    assert "https://portal.test/confirm/abc" in mail.content["text"]


def test_only_the_inbox_message_is_reported_sent_at_once_with_public_facts_only(
    tmp_path, uow, kicks
):
    held = appointment_held()
    take(uow, setup(tmp_path), kicks, "appointments", held)

    [sent] = uow.payloads_of("notification_sent")
    assert (sent["channel"], sent["attempts"], sent["template"]) == ("inbox", 0, "held")
    assert sent["event_type"] == "appointments.appointment_held"
    assert sent["facts"]["appointment_id"] == str(held.payload["appointment_id"])
    assert not {"email", "name", "citizen", "confirm_url"} & set(sent["facts"])


def test_the_same_event_delivered_again_writes_and_publishes_nothing_more(tmp_path, uow, kicks):
    intake, held = setup(tmp_path), appointment_held()
    take(uow, intake, kicks, "appointments", held)

    with pytest.raises(EventAlreadyHandled):
        take(uow, intake, kicks, "appointments", held)

    assert len(rows(uow, MessageRow)) == 2
    assert uow.published_types() == ["notification_sent"]
    assert kicks.count == 1


def test_events_that_came_together_are_taken_in_one_transaction_each_once(tmp_path, uow, kicks):
    intake = setup(tmp_path)
    first, second = appointment_held(), appointment_held(email="bob@example.org")
    commits = uow.commits

    waiting = take_events(
        TakeEvents("appointments", [first, second, first]), uow, clock(), intake, kicks
    )

    assert uow.commits == commits + 1
    mailed = sorted(row.recipient for row in rows(uow, MessageRow) if row.channel == "email")
    assert mailed == ["anna@example.org", "bob@example.org"]
    assert (waiting, kicks.count) == (2, 1)
    # delivered again together: nothing more
    take_events(TakeEvents("appointments", [second, first]), uow, clock(), intake, kicks)
    assert len(rows(uow, MessageRow)) == 4
    assert kicks.count == 1


def test_a_citizen_who_switched_email_off_hears_in_the_inbox_only(tmp_path, uow, kicks):
    prefer(uow, email_on=False)

    waiting = take(uow, setup(tmp_path), kicks, "appointments", appointment_held())

    assert [row.channel for row in rows(uow, MessageRow)] == ["inbox"]
    assert (waiting, kicks.count) == (0, 0)


def test_a_citizen_with_a_phone_who_wants_sms_gets_the_short_text(tmp_path, uow, kicks):
    prefer(uow, sms_on=True, phone="+4917612345678")

    take(uow, setup(tmp_path), kicks, "appointments", appointment_held())

    [sms] = [row for row in rows(uow, MessageRow) if row.channel == "sms"]
    assert sms.recipient == "+4917612345678"
    assert sms.content["text"] == "Bitte bestätigen"


def test_the_preferred_language_wins_over_the_events(tmp_path, uow, kicks):
    prefer(uow, language="en")

    take(uow, setup(tmp_path), kicks, "appointments", appointment_held(language="de"))

    [item] = rows(uow, InboxItemRow)
    assert item.title == "EN Termin Reisepass"


def test_an_essential_message_reaches_the_inbox_when_every_channel_is_off(tmp_path, uow, kicks):
    prefer(uow, email_on=False, inbox_on=False)

    take(uow, setup(tmp_path), kicks, "appointments", appointment_held())

    assert [row.channel for row in rows(uow, MessageRow)] == ["inbox"]


def test_a_reminder_is_not_sent_to_a_citizen_who_declined_non_essential_messages(
    tmp_path, uow, kicks
):
    prefer(uow, non_essential=False)

    waiting = take(uow, setup(tmp_path), kicks, "appointments", reminder_due())

    assert rows(uow, MessageRow) == [] and rows(uow, InboxItemRow) == []
    assert uow.published == [] and waiting == 0


def test_a_reminder_mail_carries_the_calendar_file(tmp_path, uow, kicks):
    take(uow, setup(tmp_path), kicks, "appointments", reminder_due())

    [mail] = [row for row in rows(uow, MessageRow) if row.channel == "email"]
    [attachment] = mail.content["attachments"]
    assert attachment["filename"] == "termin.ics"
    assert attachment["media_type"] == "text/calendar"
    assert attachment["content"].startswith("BEGIN:VCALENDAR")


def test_a_check_in_is_queued_for_the_clerks_and_broadcast_without_personal_data(
    tmp_path, uow, kicks
):
    arrived = checked_in()

    take(uow, setup(tmp_path), kicks, "appointments", arrived)

    [item] = rows(uow, InboxItemRow)
    assert (item.owner_kind, item.owner) == ("role", "clerk")
    [broadcast] = uow.payloads_of("clerk_queue_item_added")
    assert broadcast["role"] == "clerk" and "department" not in broadcast
    assert broadcast["item_id"] == item.id
    assert broadcast["title"] == "Angekommen: passport"
    assert "citizen" not in broadcast["facts"]
    assert rows(uow, MessageRow) == [] and kicks.count == 0


def test_an_application_is_queued_for_its_departments_clerks(tmp_path, fake_uow, kicks):
    uow = unit_of_work(fake_uow, handler="on_applications_event")

    take(uow, setup(tmp_path), kicks, "applications", application_submitted(department="roads"))

    [item] = rows(uow, InboxItemRow)
    assert (item.owner_kind, item.owner) == ("department", "roads")
    assert item.title == "Neuer Antrag 2026-BPA-000123"
    [broadcast] = uow.payloads_of("clerk_queue_item_added")
    assert (broadcast["role"], broadcast["department"]) == ("clerk", "roads")


def test_an_application_without_a_department_is_queued_for_the_admins(tmp_path, fake_uow, kicks):
    uow = unit_of_work(fake_uow, handler="on_applications_event")

    take(uow, setup(tmp_path), kicks, "applications", application_submitted(department=None))

    [item] = rows(uow, InboxItemRow)
    assert (item.owner_kind, item.owner) == ("role", "admin")
    [broadcast] = uow.payloads_of("clerk_queue_item_added")
    assert broadcast["role"] == "admin" and "department" not in broadcast


def test_a_no_show_goes_to_the_admins_inbox_only_while_no_admin_address_is_set(
    tmp_path, uow, kicks
):
    waiting = take(uow, setup(tmp_path), kicks, "appointments", no_show())

    [item] = rows(uow, InboxItemRow)
    assert (item.owner_kind, item.owner) == ("role", "admin")
    assert rows(uow, MessageRow) == [] and waiting == 0


def test_a_no_show_is_also_mailed_to_the_admins_address_when_one_is_set(tmp_path, uow, kicks):
    intake = setup(tmp_path, admin_email=ADMIN_EMAIL)

    waiting = take(uow, intake, kicks, "appointments", no_show())

    [mail] = rows(uow, MessageRow)
    assert (mail.channel, mail.recipient, mail.is_alert) == ("email", ADMIN_EMAIL, False)
    assert (waiting, kicks.count) == (1, 1)


def test_a_rating_invitation_uses_only_the_channels_its_route_allows(tmp_path, fake_uow, kicks):
    uow = unit_of_work(fake_uow, handler="on_feedback_event")
    prefer(uow, sms_on=True, phone="+4917612345678")

    take(uow, setup(tmp_path), kicks, "feedback", rating_invited())

    assert sorted(row.channel for row in rows(uow, MessageRow)) == ["email", "inbox"]


def test_an_event_no_route_wants_makes_nothing_and_is_recorded_as_handled(tmp_path, uow, kicks):
    reminder = reminder_due().payload
    payload = {name: reminder[name] for name in APPOINTMENT_HOLD_EXPIRED.schema().fields}
    hold_expired = event(APPOINTMENT_HOLD_EXPIRED, payload)

    waiting = take(uow, setup(tmp_path), kicks, "appointments", hold_expired)

    assert rows(uow, MessageRow) == [] and uow.published == []
    assert (waiting, kicks.count) == (0, 0)
    with pytest.raises(EventAlreadyHandled):
        take(uow, setup(tmp_path), kicks, "appointments", hold_expired)


def test_delivered_texts_past_their_retention_are_purged_and_the_log_kept(tmp_path, uow, kicks):
    intake = setup(tmp_path, body_retention_days=7)
    take(uow, intake, kicks, "appointments", appointment_held())
    later = clock()
    later.advance(days=8)

    purge_expired(uow, later, intake.settings)

    messages = {row.channel: row for row in rows(uow, MessageRow)}
    assert messages["inbox"].content is None and messages["inbox"].purged_at == later()
    # the e-mail is not sent yet: its text stays until it is
    assert messages["email"].content is not None and messages["email"].purged_at is None


def test_inbox_items_past_their_retention_go_and_newer_ones_stay(tmp_path, uow, kicks):
    intake = setup(tmp_path, inbox_retention_days=30)
    take(uow, intake, kicks, "appointments", checked_in())
    later = clock()
    later.advance(days=20)
    take(uow, intake, kicks, "appointments", checked_in(), at=later)
    later.advance(days=15)

    purge_expired(uow, later, intake.settings)

    [kept] = rows(uow, InboxItemRow)
    assert kept.created_at == MOMENT + timedelta(days=20)
