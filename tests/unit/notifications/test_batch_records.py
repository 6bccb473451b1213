"""A batch's tries written to the delivery log together: each delivered one logged and
reported sent as a try of its own would be, a failed one tried again, and a message another
sender took over (its lease ran out) left to that sender."""

from __future__ import annotations

from dataclasses import replace

from services.notifications.models import AttemptRow, MessageRow
from services.notifications.outcomes import DELIVERED, TEMPORARY, Outcome
from services.notifications.use_cases.sending import (
    ClaimDue,
    RecordTries,
    claim_due,
    record_tries,
)
from services.notifications.use_cases.taking import TakeEvent, take_event
from tests.unit.notifications.scene import Kicks, appointment_held, clock, rows, setup


def mails(uow, intake, count: int):
    """`count` appointments held, their e-mails claimed by one sender."""
    for number in range(count):
        held = appointment_held(email=f"citizen-{number}@example.org")
        take_event(TakeEvent("appointments", held), uow, clock(), intake, Kicks())
    return claim_due(ClaimDue("sender-1"), uow, clock(), intake.settings)


def emails(uow) -> dict[str, MessageRow]:
    return {row.id: row for row in rows(uow, MessageRow) if row.channel == "email"}


def test_a_batch_of_delivered_tries_is_logged_and_reported_like_single_ones(uow, tmp_path):
    intake = setup(tmp_path)
    claimed = mails(uow, intake, 3)
    tried = tuple((message, Outcome(DELIVERED, "250 OK")) for message in claimed)

    waiting = record_tries(RecordTries(tried, "sender-1"), uow, clock(), intake, Kicks())

    assert waiting == 0
    logged = emails(uow)
    assert {(row.status, row.final, row.attempts, row.claim) for row in logged.values()} == {
        ("delivered", True, 1, None)
    }
    attempts = [row for row in rows(uow, AttemptRow) if row.message_id in logged]
    assert sorted((a.message_id, a.number, a.response) for a in attempts) == sorted(
        (message.id, 1, "250 OK") for message in claimed
    )
    sent = [
        p["message_id"] for p in uow.payloads_of("notification_sent") if p["channel"] == "email"
    ]
    assert sorted(sent) == sorted(message.id for message in claimed)


def test_in_one_batch_a_failure_waits_its_back_off_and_a_taken_over_message_is_left_alone(
    uow, tmp_path
):
    intake = setup(tmp_path, lease_seconds=60, retry_base_delay=60)
    claimed = mails(uow, intake, 3)
    later = clock()
    later.advance(seconds=61)
    # one lease ran out meanwhile and another sender took that message over
    one_at_a_time = replace(intake.settings, batch_size=1)
    [third] = claim_due(ClaimDue("sender-2"), uow, later, one_at_a_time)
    first, second = [message for message in claimed if message.id != third.id]
    third = next(message for message in claimed if message.id == third.id)  # as sender-1 has it
    tried = (
        (first, Outcome(DELIVERED, "250 OK")),
        (second, Outcome(TEMPORARY, "421 try later")),
        (third, Outcome(DELIVERED, "250 OK")),
    )

    record_tries(RecordTries(tried, "sender-1"), uow, clock(), intake, Kicks())

    logged = emails(uow)
    assert (logged[first.id].status, logged[first.id].final) == ("delivered", True)
    assert (logged[second.id].status, logged[second.id].final) == ("temporary_failure", False)
    assert (logged[third.id].status, logged[third.id].claim) == ("sending", "sender-2")
    attempts = {a.message_id for a in rows(uow, AttemptRow)}
    assert third.id not in attempts and {first.id, second.id} <= attempts
    sent = [
        p["message_id"] for p in uow.payloads_of("notification_sent") if p["channel"] == "email"
    ]
    assert sent == [first.id]
