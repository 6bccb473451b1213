"""Sending what is due: claims that two senders never share, tries recorded as they end,
back-off after a temporary failure, and the admins alerted once a message fails for good."""

from __future__ import annotations

from datetime import timedelta

from services.common.loading import load
from services.notifications.models import AttemptRow, InboxItemRow, MessageRow
from services.notifications.outcomes import DELIVERED, PERMANENT, TECHNICAL, TEMPORARY, Outcome
from services.notifications.schemas import SubscriptionInput
from services.notifications.use_cases.sending import (
    ClaimDue,
    RecordTry,
    RenewLease,
    claim_due,
    record_try,
    renew_lease,
    secrets_of,
)
from services.notifications.use_cases.taking import TakeEvent, take_event
from services.notifications.use_cases.webhooks import Subscribe, Unsubscribe, subscribe, unsubscribe
from tests.unit.notifications.scene import (
    ADA,
    ADMIN_EMAIL,
    MOMENT,
    CallbackTests,
    Kicks,
    appointment_held,
    clock,
    rows,
    setup,
)


def held_mail(uow, intake):
    """An appointment held: its e-mail waits to be sent (its inbox item is in already)."""
    take_event(TakeEvent("appointments", appointment_held()), uow, clock(), intake, Kicks())


def claim(uow, intake, token="sender-1", at=None):
    return claim_due(ClaimDue(token), uow, at or clock(), intake.settings)


def tried(uow, intake, message, status, response="", token="sender-1", at=None, kicks=None):
    command = RecordTry(message, Outcome(status, response), token)
    return record_try(command, uow, at or clock(), intake, kicks or Kicks())


def mail_row(uow):
    [mail] = [row for row in rows(uow, MessageRow) if row.channel == "email" and not row.is_alert]
    return mail


def test_a_due_message_is_claimed_once_and_not_by_a_second_sender(uow, tmp_path):
    intake = setup(tmp_path)
    held_mail(uow, intake)

    [claimed] = claim(uow, intake, "sender-1")

    assert (claimed.channel, claimed.recipient, claimed.in_doubt) == (
        "email",
        "anna@example.org",
        False,
    )
    assert claim(uow, intake, "sender-2") == []
    assert mail_row(uow).status == "sending"


def test_a_message_whose_sender_stopped_is_taken_up_again_in_doubt_after_the_lease(uow, tmp_path):
    intake = setup(tmp_path, lease_seconds=60)
    held_mail(uow, intake)
    claim(uow, intake, "sender-1")
    later = clock()
    later.advance(seconds=61)

    [again] = claim(uow, intake, "sender-2", at=later)

    assert again.in_doubt is True


def test_a_delivered_try_is_logged_and_reported_sent(uow, tmp_path):
    intake = setup(tmp_path)
    held_mail(uow, intake)
    [message] = claim(uow, intake)

    waiting = tried(uow, intake, message, DELIVERED, "250 OK")

    mail = mail_row(uow)
    assert (mail.status, mail.final, mail.attempts) == ("delivered", True, 1)
    assert mail.delivered_at == MOMENT and waiting == 0
    [attempt] = rows(uow, AttemptRow)
    assert (attempt.number, attempt.outcome, attempt.response) == (1, "delivered", "250 OK")
    sent = [p for p in uow.payloads_of("notification_sent") if p["channel"] == "email"]
    assert [(p["message_id"], p["attempts"]) for p in sent] == [(message.id, 1)]


def test_a_temporary_failure_is_tried_again_after_the_back_off(uow, tmp_path):
    intake = setup(tmp_path, retry_base_delay=60)
    held_mail(uow, intake)
    [message] = claim(uow, intake)

    tried(uow, intake, message, TEMPORARY, "421 try later")

    mail = mail_row(uow)
    assert (mail.status, mail.final) == ("temporary_failure", False)
    assert mail.next_attempt_at == MOMENT + timedelta(seconds=60)
    assert uow.payloads_of("notification_failed") == []
    assert claim(uow, intake) == []  # not before its time
    later = clock()
    later.advance(seconds=60)
    assert [m.id for m in claim(uow, intake, at=later)] == [message.id]


def test_the_back_off_doubles_with_each_try(uow, tmp_path):
    intake = setup(tmp_path, retry_base_delay=60)
    held_mail(uow, intake)
    moment = clock()
    [message] = claim(uow, intake, at=moment)
    tried(uow, intake, message, TEMPORARY, at=moment)
    moment.advance(seconds=60)
    [message] = claim(uow, intake, at=moment)

    tried(uow, intake, message, TEMPORARY, at=moment)

    assert mail_row(uow).next_attempt_at == moment() + timedelta(seconds=120)


def test_a_refused_message_fails_for_good_at_once_and_the_admins_are_alerted(uow, tmp_path):
    intake = setup(tmp_path, admin_email=ADMIN_EMAIL)
    held_mail(uow, intake)
    [message] = claim(uow, intake)
    kicks = Kicks()

    waiting = tried(uow, intake, message, PERMANENT, "550 no such user", kicks=kicks)

    assert (mail_row(uow).status, mail_row(uow).final) == ("permanent_failure", True)
    [failed] = uow.payloads_of("notification_failed")
    assert (failed["status"], failed["reason"], failed["attempts"]) == (
        "permanent_failure",
        "550 no such user",
        1,
    )
    alerts = [row for row in rows(uow, MessageRow) if row.is_alert]
    assert [(a.channel, a.recipient) for a in alerts] == [("email", ADMIN_EMAIL)]
    admins = [item for item in rows(uow, InboxItemRow) if item.owner == "admin"]
    assert admins[0].title == "Zustellung gescheitert: email"
    assert (waiting, kicks.count) == (1, 1)


def test_a_message_fails_for_good_once_its_tries_are_used_up(uow, tmp_path):
    intake = setup(tmp_path, max_attempts=2, retry_base_delay=1)
    held_mail(uow, intake)
    moment = clock()
    for _ in range(2):
        [message] = claim(uow, intake, at=moment)
        tried(uow, intake, message, TEMPORARY, "421 busy", at=moment)
        moment.advance(seconds=5)

    mail = mail_row(uow)
    assert (mail.status, mail.final, mail.attempts) == ("temporary_failure", True, 2)
    [failed] = uow.payloads_of("notification_failed")
    assert failed["status"] == "temporary_failure"


def test_our_own_failure_is_tried_again_like_a_temporary_one(uow, tmp_path):
    intake = setup(tmp_path)
    held_mail(uow, intake)
    [message] = claim(uow, intake)

    tried(uow, intake, message, TECHNICAL, "KeyError: 'html'")

    assert (mail_row(uow).status, mail_row(uow).final) == ("technical_failure", False)


def test_an_alert_that_fails_alerts_nobody_about_itself(uow, tmp_path):
    intake = setup(tmp_path, admin_email=ADMIN_EMAIL)
    held_mail(uow, intake)
    [message] = claim(uow, intake)
    tried(uow, intake, message, PERMANENT, "550 no such user")
    [alert] = claim(uow, intake)

    waiting = tried(uow, intake, alert, TECHNICAL, "SMTP down")

    assert alert.is_alert and waiting == 0
    assert len([row for row in rows(uow, MessageRow) if row.is_alert]) == 1
    assert len(uow.payloads_of("notification_failed")) == 2


def test_a_try_recorded_after_another_sender_took_over_counts_for_nothing(uow, tmp_path):
    intake = setup(tmp_path, lease_seconds=60)
    held_mail(uow, intake)
    [first] = claim(uow, intake, "sender-1")
    later = clock()
    later.advance(seconds=61)
    claim(uow, intake, "sender-2", at=later)

    waiting = tried(uow, intake, first, DELIVERED, "250 OK", token="sender-1", at=later)

    assert waiting == 0 and rows(uow, AttemptRow) == []
    assert mail_row(uow).claim == "sender-2"


def test_a_lease_is_renewed_only_for_what_the_sender_still_holds(uow, tmp_path):
    intake = setup(tmp_path, lease_seconds=60)
    held_mail(uow, intake)
    [message] = claim(uow, intake, "sender-1")
    until = MOMENT + timedelta(minutes=5)

    kept = renew_lease(RenewLease("sender-1", frozenset({message.id, "other"}), until), uow)
    lost = renew_lease(RenewLease("sender-2", frozenset({message.id}), until), uow)

    assert (kept, lost) == ({message.id}, set())
    assert mail_row(uow).lease_until == until


def test_a_channels_rate_limit_holds_messages_back_without_dropping_them(uow, tmp_path):
    intake = setup(tmp_path, email_rate=1, rate_window_seconds=60)
    held_mail(uow, intake)
    held_mail(uow, intake)

    first = claim(uow, intake, "sender-1")
    second = claim(uow, intake, "sender-2")

    assert (len(first), second) == (1, [])
    assert len([row for row in rows(uow, MessageRow) if row.status == "created"]) == 1


def test_a_webhook_is_signed_with_its_subscriptions_secret_until_it_is_ended(uow, tmp_path):
    intake = setup(tmp_path, private_callbacks=True)
    spec = load(
        SubscriptionInput,
        {
            "event_types": ["appointments.appointment_held"],
            "callback_url": "https://hooks.example.org/x",
            "secret": "sixteen-characters-at-least",
        },
    )
    made = subscribe(Subscribe(ADA, spec), uow, clock(), intake.settings, CallbackTests())
    key = made["subscription_id"]

    before = secrets_of(frozenset({key}), uow)
    unsubscribe(Unsubscribe(ADA, key), uow, clock())

    assert before == {key: "sixteen-characters-at-least"}
    assert secrets_of(frozenset({key}), uow) == {key: None}
