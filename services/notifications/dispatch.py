"""The dispatcher: each instance's loop that sends what is due, channel by channel.

It wakes when a handler of this instance has written messages (a kick) and otherwise every
NOTIFICATIONS.dispatch_interval, claims a batch, sends it (one SMTP connection for the
e-mails; SMS and webhooks side by side) and records the tries together: when the batch
ends, or sooner once RECORD_AFTER seconds have passed since the first unrecorded one (a
slow batch's sent messages are not kept waiting for the rest). Instances share
the work through the claims; a message whose try fails waits its back-off in the table,
not in a queue, so an SMTP server that is down for an hour costs nothing but the tries.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import eventlet
from eventlet.event import Event as GreenEvent
from eventlet.greenpool import GreenPool
from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider

from services.common.business_metrics import count_message
from services.common.database import Database
from services.common.logging import get_logger
from services.common.settings import section
from services.notifications import catalogue, webhooks
from services.notifications.intake import Intake
from services.notifications.mail import MailChannel
from services.notifications.outcomes import PERMANENT, TECHNICAL, Outcome, Outgoing
from services.notifications.settings import NotificationSettings
from services.notifications.sms import SmsChannel
from services.notifications.use_cases import sending

log = get_logger(__name__)

STOP_GRACE = 10.0
HTTP_CONCURRENCY = 10
RECORD_AFTER = 1.0  # seconds a try may wait to be recorded with the others of its batch
DEFAULT_OFFICE = "Bürgerbüro"


def now() -> datetime:
    return datetime.now(UTC)


class Lease:
    """A batch's claim, renewed once half of it has run out, so that a slow batch is not
    taken over (and sent twice) while its sender is still at work."""

    def __init__(self, work, token: str, ids: set[str], settings: NotificationSettings) -> None:
        self.work = work
        self.token = token
        self.held = ids
        self.settings = settings
        self.renewed = time.monotonic()

    def holds(self, message: Outgoing) -> bool:
        if time.monotonic() - self.renewed > self.settings.lease_seconds / 2:
            until = now() + timedelta(seconds=self.settings.lease_seconds)
            command = sending.RenewLease(self.token, frozenset(self.held), until)
            self.held = sending.renew_lease(command, self.work)
            self.renewed = time.monotonic()
        return message.id in self.held


class Tries:
    """A batch's tries, waiting to be recorded together. The senders of a batch add to it
    side by side; one flush at a time writes what has gathered. Should a flush fail, its
    tries stay unrecorded and their messages leased: taken up again once the lease ends."""

    def __init__(self, write) -> None:
        self.write = write
        self.waiting: list[tuple[Outgoing, Outcome]] = []
        self.since = 0.0
        self.lock = Semaphore(1)

    def add(self, message: Outgoing, outcome: Outcome) -> None:
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting.append((message, outcome))
        if time.monotonic() - self.since >= RECORD_AFTER and not self.lock.locked():
            self.flush()

    def flush(self) -> None:
        with self.lock:
            tried, self.waiting = self.waiting, []
            if tried:
                self.write(tried)


class Dispatcher(DependencyProvider):
    """Loads the catalogue at start (bad routing stops the service there) and sends."""

    def setup(self) -> None:
        self.settings = NotificationSettings.from_config()
        office = str(section("OFFICE").get("name") or DEFAULT_OFFICE)
        self.intake = Intake(catalogue.load(self.settings), self.settings, office)
        self.mail = MailChannel(self.settings)
        self.sms = SmsChannel(self.settings)
        self._kicked = GreenEvent()
        self._running = False
        self._thread = None

    def start(self) -> None:
        self.db = next(d for d in self.container.dependencies if isinstance(d, Database))
        self._running = True
        self._thread = self.container.spawn_managed_thread(
            self.run, identifier="notifications.dispatcher"
        )

    def stop(self) -> None:
        self._running = False
        self.kick()
        if self._thread is not None:
            with eventlet.Timeout(STOP_GRACE, False):
                self._thread.wait()

    def kill(self) -> None:
        self._running = False

    def get_dependency(self, worker_ctx) -> Dispatcher:
        return self

    def kick(self) -> None:
        if not self._kicked.ready():
            self._kicked.send(True)

    def run(self) -> None:
        failures = 0
        while self._running:
            with eventlet.Timeout(self.settings.dispatch_interval, False):
                self._kicked.wait()
            self._kicked = GreenEvent()
            try:
                while self._running and self.dispatch_batch() >= self.settings.batch_size:
                    pass
                failures = 0
            except Exception as error:
                failures += 1
                log.warning("dispatch_failed", error=repr(error), failures=failures)
                eventlet.sleep(min(0.5 * 2**failures, 30.0))

    def dispatch_batch(self) -> int:
        """Claim what is due and send it; how many messages were claimed."""
        token = str(uuid.uuid4())
        work = self.db.background()
        claimed = sending.claim_due(sending.ClaimDue(token), work, now, self.settings)
        if not claimed:
            return 0
        by_channel: dict[str, list[Outgoing]] = defaultdict(list)
        for message in claimed:
            by_channel[message.channel].append(message)

        lease = Lease(work, token, {message.id for message in claimed}, self.settings)
        tries = Tries(lambda tried: self._record(work, token, tried))
        record = tries.add

        pool = GreenPool(HTTP_CONCURRENCY + 1)
        if by_channel["email"]:
            pool.spawn_n(self._guarded, self.mail.deliver, by_channel["email"], record, lease.holds)
        for message in by_channel["sms"]:
            pool.spawn_n(self._guarded, self._one, self.sms.send, message, record, lease.holds)
        secrets = self._secrets(work, by_channel["webhook"])
        for message in by_channel["webhook"]:
            pool.spawn_n(
                self._guarded,
                self._one,
                self._webhook(secrets.get(message.recipient)),
                message,
                record,
                lease.holds,
            )
        pool.waitall()
        tries.flush()
        return len(claimed)

    def _record(self, work, token: str, tried: list[tuple[Outgoing, Outcome]]) -> None:
        command = sending.RecordTries(tuple(tried), token)
        sending.record_tries(command, work, now, self.intake, self.kick)
        for message, outcome in tried:
            count_message(message.channel, outcome.status)

    def _secrets(self, work, messages: list[Outgoing]) -> dict[str, str | None]:
        if not messages:
            return {}
        return sending.secrets_of(frozenset(m.recipient for m in messages), work)

    def _webhook(self, secret: str | None):
        def send(message: Outgoing) -> Outcome:
            if secret is None:
                return Outcome(PERMANENT, "the subscription was removed")
            body = message.content["body"].encode()
            return webhooks.deliver(
                message.content["url"],
                secret,
                body,
                message.id,
                message.event_type,
                self.settings.webhook_timeout,
            )

        return send

    @staticmethod
    def _one(send, message: Outgoing, record, holds) -> None:
        if not holds(message):
            return
        try:
            outcome = send(message)
        except Exception as error:
            log.exception("delivery_crashed", message_id=message.id)
            outcome = Outcome(TECHNICAL, f"{type(error).__name__}: {error}")
        record(message, outcome)

    @staticmethod
    def _guarded(function, *args) -> None:
        """A failure to record leaves the message leased; it is taken up again later."""
        try:
            function(*args)
        except Exception as error:
            log.warning("dispatch_step_failed", error=repr(error))
