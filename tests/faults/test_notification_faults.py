"""Notifications under faults: the SMTP server away for a while, a sender killed mid-batch,
three instances on one database. Every mail arrives, once; a second copy only where the
delivery log says the try was in doubt, and then under the same Message-ID."""

from __future__ import annotations

import collections
import email
import time
from dataclasses import dataclass
from email.policy import default
from pathlib import Path

import eventlet
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.events import Event
from services.common.migrations import upgrade
from services.common.settings import database_url
from services.notifications.models import AttemptRow, MessageRow
from tests.notifications.test_delivery import confirmed
from tests.support.clients import as_caller
from tests.support.databases import database_transaction
from tests.support.events import EventTap
from tests.support.processes import ServiceProcess, free_port
from tests.support.publishing import publish, publish_event
from tests.support.queues import consumers_of
from tests.support.smtp import MailCatcher
from tests.support.waiting import wait_for

SENDER_DOMAIN = "soest.de"  # of the sender config/local.yaml names
HANDLER_QUEUE = "evt-appointments-#--notifications.on_appointments_event"
IN_DOUBT = "in doubt (the sender stopped mid-send), sent again: 250"
QUICK = {
    "NOTIFICATIONS_EMAIL_TRANSPORT": "smtp",
    "SMTP_HOST": "127.0.0.1",
    "NOTIFICATIONS_DISPATCH_INTERVAL": "0.2",
    "NOTIFICATIONS_RETRY_BASE_DELAY": "0.2",
    "NOTIFICATIONS_RETRY_MAX_DELAY": "1",
    "NOTIFICATIONS_MAX_ATTEMPTS": "30",
    "METRICS_ADDRESS": "",  # several instances on one machine
}


@dataclass
class Logged:
    """A message of the delivery log with its tries (number, outcome, response)."""

    message_id: str
    event_id: str
    recipient: str
    status: str
    attempts: int
    tries: list[tuple[int, str, str]]

    @property
    def in_doubt(self) -> bool:
        return any(response.startswith("in doubt") for _, _, response in self.tries)

    @property
    def mail(self) -> tuple[str, str]:
        """(To, Message-ID) as the message arrives."""
        return self.recipient, f"<{self.message_id}@{SENDER_DOMAIN}>"


def delivery_log() -> dict[str, Logged]:
    with database_transaction(database_url("notifications")) as connection:
        session = Session(connection)
        # the messages first: on PostgreSQL each statement reads what was committed when
        # it began, so the tries read after a message was seen delivered include its try
        rows = session.scalars(select(MessageRow)).all()
        tries = collections.defaultdict(list)
        for attempt in session.scalars(select(AttemptRow).order_by(AttemptRow.number)):
            tries[attempt.message_id].append((attempt.number, attempt.outcome, attempt.response))
        return {
            row.id: Logged(
                row.id, row.event_id, row.recipient, row.status, row.attempts, tries[row.id]
            )
            for row in rows
        }


def all_delivered() -> dict[str, Logged]:
    """The delivery log, once every message in it is delivered."""

    def settled() -> dict[str, Logged] | None:
        log = delivery_log()
        return log if log and all(m.status == "delivered" for m in log.values()) else None

    return wait_for(settled)


def mails_in(folder: Path) -> int:
    return len(list(folder.glob("*.eml")))


def received(folder: Path) -> list[tuple[str, str]]:
    """(To, Message-ID) of each mail the SMTP servers kept, once for every copy."""
    found = []
    for path in folder.glob("*.eml"):
        mail = email.message_from_bytes(path.read_bytes(), policy=default)
        found.append((mail["To"], mail["Message-ID"]))
    return found


def addresses(tag: str, count: int) -> list[str]:
    return [f"{tag}-{number:03d}@example.org" for number in range(count)]


def publish_confirmations(recipients: list[str]) -> list[Event]:
    """One confirmed appointment per address: each makes exactly one e-mail."""
    return [
        publish("appointments", "appointment_confirmed", confirmed(email=address))
        for address in recipients
    ]


@pytest.fixture
def mail_folder(tmp_path) -> Path:
    return tmp_path / "received"


@pytest.fixture
def smtp_servers(mail_folder):
    """Start real SMTP servers on loopback; each keeps what it takes in one shared folder,
    in files named after its process id."""
    started: list[MailCatcher] = []

    def start(port: int, hold_once: tuple[str, ...] = ()) -> MailCatcher:
        catcher = MailCatcher(port, mail_folder, hold_once=hold_once).start()
        started.append(catcher)
        return catcher

    yield start
    for catcher in started:
        catcher.stop()


@pytest.fixture
def notifications_published(platform_config):
    """The events the notifications service publishes, from before the test acts."""
    tap = EventTap("notifications")
    yield tap
    tap.close()


@pytest.fixture
def notification_processes(platform_config, tmp_path):
    """Start instances of the notifications service as processes, mailing over SMTP."""
    upgrade("notifications", database_url("notifications"))
    started: list[ServiceProcess] = []

    def start(name: str, smtp_port: int, **env: str) -> ServiceProcess:
        log_dir = tmp_path / name
        log_dir.mkdir()
        process = ServiceProcess(
            "services.notifications.service",
            "notifications",
            log_dir,
            **{**QUICK, "SMTP_PORT": str(smtp_port), **env},
        )
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop()


def test_mail_held_back_while_the_smtp_server_is_down_arrives_once_when_it_is_back(
    notification_processes, smtp_servers, mail_folder
):
    port = free_port()  # nothing listens there yet: the SMTP server is down
    notification_processes("notifications", port)
    recipients = addresses("down", 20)
    publish_confirmations(recipients)

    def each_failed_twice() -> bool:
        with as_caller("admin", "root") as cluster:
            mails = cluster.notifications.deliveries({"channel": "email"})["deliveries"]
        # by the attempts, not the status: a message being tried again just now is sending
        return len(mails) == len(recipients) and all(
            row["attempts"] >= 2 and row["status"] != "delivered" for row in mails
        )

    wait_for(each_failed_twice, timeout=20, interval=0.2)
    assert received(mail_folder) == []
    smtp_servers(port)  # back, on the same port

    wait_for(lambda: mails_in(mail_folder) >= len(recipients), timeout=20)
    log = all_delivered()
    time.sleep(1.5)  # a second copy would have come by now
    assert sorted(received(mail_folder)) == sorted(message.mail for message in log.values())
    assert sorted(message.recipient for message in log.values()) == sorted(recipients)
    for message in log.values():
        assert message.attempts > 2
        assert [number for number, _, _ in message.tries] == list(range(1, message.attempts + 1))
        outcomes = [outcome for _, outcome, _ in message.tries]
        assert outcomes == ["temporary_failure"] * (message.attempts - 1) + ["delivered"]
        for _, _, response in message.tries[:-1]:
            assert response.startswith("SMTP server unavailable: ConnectionRefusedError")
    print(f"tries per message: {collections.Counter(m.attempts for m in log.values())}")


def test_a_sender_killed_mid_batch_loses_no_mail_and_repeats_only_what_it_was_unsure_of(
    notification_processes, smtp_servers, mail_folder
):
    recipients = addresses("killed", 200)
    # the server keeps one message and never answers it: the sender is killed while it
    # waits, with a batch in hand and the fate of that message unknown to it
    held = recipients[60]
    port = free_port()
    smtp_servers(port, hold_once=(held,))
    # a short lease: what the killed sender held is taken up again two seconds later
    sender = notification_processes("notifications", port, NOTIFICATIONS_LEASE_SECONDS="2")
    publishing = eventlet.spawn(publish_confirmations, recipients)

    wait_for(lambda: held in {to for to, _ in received(mail_folder)}, timeout=30, interval=0.01)
    sender.kill()
    arrived_before_the_kill = mails_in(mail_folder)
    events = publishing.wait()
    assert arrived_before_the_kill < len(recipients)

    log_before_restart = len(sender.log())
    sender.start()
    # the broker delivers again what the killed process took and had not acknowledged;
    # here some events come again for certain, as it would deliver them
    for event in events[:20]:
        publish_event("appointments", event)

    wait_for(lambda: {to for to, _ in received(mail_folder)} >= set(recipients), timeout=30)
    log = all_delivered()
    time.sleep(1.5)  # a late second copy would have come by now
    copies = collections.Counter(received(mail_folder))

    # nothing lost and nothing made twice: one message per event, each delivered
    assert len(log) == len(events)
    assert {m.event_id for m in log.values()} == {str(event.event_id) for event in events}
    assert sorted(m.recipient for m in log.values()) == sorted(recipients)
    assert set(copies) == {m.mail for m in log.values()}
    # a second copy only of a message whose log says it was in doubt, under its Message-ID
    in_doubt = {m.mail for m in log.values() if m.in_doubt}
    twice = {mail for mail, count in copies.items() if count > 1}
    assert in_doubt, "the kill lands mid-batch: the messages in hand are in doubt"
    assert twice <= in_doubt
    assert max(copies.values()) <= 2
    for message in log.values():
        [(number, outcome, response)] = message.tries
        assert (number, outcome) == (1, "delivered")
        assert response.startswith(IN_DOUBT) == message.in_doubt
    # the handler's inbox turned away the events that came again before they made anything
    ignored = sender.log()[log_before_restart:].count('"event": "event_duplicate_ignored"')
    assert ignored >= 20
    print(
        f"arrived before the kill: {arrived_before_the_kill}, in doubt: {len(in_doubt)}, "
        f"arrived twice: {len(twice)}, events turned away by the inbox: {ignored}"
    )


def test_three_instances_on_one_database_send_each_mail_once_between_them(
    notification_processes, smtp_servers, mail_folder, notifications_published
):
    # each instance hands its mail to an SMTP server of its own, all keeping into one
    # folder: which server took a mail tells which instance sent it
    senders, starting = {}, []
    for name in ("first", "second", "third"):
        server = smtp_servers(free_port())
        senders[server.process.pid] = name
        starting.append(eventlet.spawn(notification_processes, name, server.port))
    for instance in starting:
        instance.wait()
    wait_for(lambda: consumers_of(HANDLER_QUEUE) == 3, timeout=15)
    recipients = addresses("shared", 150)
    events = publish_confirmations(recipients)

    wait_for(lambda: mails_in(mail_folder) >= len(recipients), timeout=30)
    log = all_delivered()
    notifications_published.wait_for("notification_sent", len(recipients))
    time.sleep(1.5)  # a second copy would have come by now
    copies = collections.Counter(received(mail_folder))
    notified = notifications_published.of_type("notification_sent")

    assert len(log) == len(events)
    assert sorted(m.recipient for m in log.values()) == sorted(recipients)
    assert copies == collections.Counter(m.mail for m in log.values())
    for message in log.values():
        assert message.attempts == 1
        assert [(number, outcome) for number, outcome, _ in message.tries] == [(1, "delivered")]
        assert not message.in_doubt
    # and each message's notification_sent event left once
    assert sorted(event["payload"]["message_id"] for event in notified) == sorted(log)
    # the SMTP servers name themselves in their replies: "queued as <pid>-<number>"
    sent_by = collections.Counter(
        senders[int(m.tries[0][2].rpartition("queued as ")[2].partition("-")[0])]
        for m in log.values()
    )
    kept_by = collections.Counter(
        senders[int(path.name.partition("-")[0])] for path in mail_folder.glob("*.eml")
    )
    assert sent_by == kept_by
    print(f"mails sent per instance: {dict(sent_by)}")
    assert len(sent_by) > 1, "the instances share the work"
