"""The delivery log as an administrator reads it, and a message that failed for good re-sent."""

from __future__ import annotations

import uuid

import pytest

from services.common.audit import AuditQuery
from services.common.keyset import InvalidCursor
from services.common.loading import load
from services.notifications import delivery_log
from services.notifications.errors import BodyPurged, MessageNotFound, NotResendable
from services.notifications.outcomes import PERMANENT, Outcome
from services.notifications.schemas import DeliveryQuery
from services.notifications.use_cases.audit import ReadAuditTrail, read_audit_trail
from services.notifications.use_cases.deliveries import (
    ListDeliveries,
    Resend,
    ShowDelivery,
    list_deliveries,
    resend,
    show_delivery,
)
from services.notifications.use_cases.taking import TakeEvent, purge_expired, take_event
from tests.unit.notifications.scene import (
    ADA,
    MOMENT,
    Kicks,
    appointment_held,
    clock,
)


def held(uow, intake, **changes):
    take_event(
        TakeEvent("appointments", appointment_held(**changes)), uow, clock(), intake, Kicks()
    )


def deliveries(uow, **query):
    return list_deliveries(ListDeliveries(load(DeliveryQuery, query)), uow)


def mail_of(uow):
    [mail] = deliveries(uow, channel="email")["deliveries"]
    return mail


def refused_for_good(uow, intake):
    """The e-mail tried once and refused by the server: failed for good."""
    with uow.transaction() as tx:
        [claimed] = delivery_log.claim(tx.session, intake.settings, MOMENT, "sender-1")
    with uow.transaction() as tx:
        outcome = Outcome(PERMANENT, "550 no such user")
        delivery_log.record(tx, claimed, outcome, "sender-1", intake, MOMENT)
    return claimed.id


def test_the_log_lists_every_message_newest_first_with_addresses_masked(uow, intake):
    held(uow, intake)

    log = deliveries(uow)

    by_channel = {entry["channel"]: entry for entry in log["deliveries"]}
    assert by_channel["email"]["recipient"] == "a***@example.org"
    assert by_channel["email"]["status"] == "created"
    assert by_channel["inbox"]["status"] == "delivered"
    assert log["next_cursor"] is None


def test_the_log_is_filtered_by_status(uow, intake):
    held(uow, intake)

    [entry] = deliveries(uow, status="delivered")["deliveries"]

    assert entry["channel"] == "inbox"


def test_the_log_pages_on_from_its_cursor(uow, intake):
    for _ in range(3):
        held(uow, intake)

    first = deliveries(uow, limit=4)
    second = deliveries(uow, limit=4, before=first["next_cursor"])

    ids = [entry["message_id"] for entry in first["deliveries"] + second["deliveries"]]
    assert len(ids) == len(set(ids)) == 6
    assert second["next_cursor"] is None


def test_a_cursor_the_log_did_not_give_is_refused(uow, intake):
    held(uow, intake)

    with pytest.raises(InvalidCursor) as refused:
        deliveries(uow, before=str(uuid.uuid4()))

    assert refused.value.code == "invalid_cursor"


def test_one_message_shows_its_text_and_every_try(uow, intake):
    held(uow, intake)
    message_id = refused_for_good(uow, intake)

    shown = show_delivery(ShowDelivery(message_id), uow)

    assert shown["subject"] == "Termin Reisepass" and "Hallo Anna Schmidt" in shown["text"]
    [attempt] = shown["attempt_log"]
    assert (attempt["number"], attempt["outcome"]) == (1, "permanent_failure")
    assert attempt["response"] == "550 no such user"


def test_an_unknown_message_is_not_found(uow):
    with pytest.raises(MessageNotFound) as refused:
        show_delivery(ShowDelivery(str(uuid.uuid4())), uow)

    assert refused.value.code == "message_not_found"


def test_a_message_that_failed_for_good_is_reported_and_alerts_the_admins(uow, intake):
    held(uow, intake)

    message_id = refused_for_good(uow, intake)

    [failed] = uow.payloads_of("notification_failed")
    assert (failed["message_id"], failed["status"]) == (message_id, "permanent_failure")
    assert failed["reason"] == "550 no such user" and "recipient" not in failed
    assert any(entry["channel"] == "inbox" for entry in deliveries(uow)["deliveries"])


def test_a_message_that_failed_for_good_is_sent_again_and_the_dispatcher_woken(uow, intake):
    held(uow, intake)
    message_id = refused_for_good(uow, intake)
    kicks = Kicks()

    answer = resend(Resend(ADA, message_id), uow, clock(), kicks)

    assert (answer["status"], answer["attempts"]) == ("created", 1)
    assert answer["next_attempt_at"] == MOMENT.isoformat()
    assert kicks.count == 1


def test_a_resent_message_is_in_the_audit_trail(uow, intake):
    held(uow, intake)
    message_id = refused_for_good(uow, intake)

    resend(Resend(ADA, message_id), uow, clock(), Kicks())

    [change] = read_audit_trail(ReadAuditTrail(load(AuditQuery, {})), uow)["changes"]
    assert (change["entity"], change["key"], change["action"]) == ("message", message_id, "resent")
    assert change["before"]["status"] == "permanent_failure"
    assert change["after"]["status"] == "created"


def test_a_message_still_on_its_way_cannot_be_resent(uow, intake):
    held(uow, intake)
    kicks = Kicks()

    with pytest.raises(NotResendable) as refused:
        resend(Resend(ADA, mail_of(uow)["message_id"]), uow, clock(), kicks)

    assert (refused.value.code, refused.value.details) == ("not_resendable", {"status": "created"})
    assert kicks.count == 0
    assert read_audit_trail(ReadAuditTrail(load(AuditQuery, {})), uow)["changes"] == []


def test_a_message_whose_text_was_purged_cannot_be_resent(uow, intake):
    held(uow, intake)
    message_id = refused_for_good(uow, intake)
    later = clock()
    later.advance(days=intake.settings.body_retention_days + 1)
    purge_expired(uow, later, intake.settings)

    with pytest.raises(BodyPurged) as refused:
        resend(Resend(ADA, message_id), uow, later, Kicks())

    assert refused.value.http_status == 410
    assert show_delivery(ShowDelivery(message_id), uow)["purged"] is True
