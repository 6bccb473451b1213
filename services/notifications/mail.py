"""E-mail: over SMTP (STARTTLS and login as configured), or into a folder on this machine.

A message keeps one Message-ID (`<message id@sender's domain>`) however often it is tried:
should a try be repeated because the sender stopped after the server took the message but
before it was recorded (the window RFC 1047 describes), mail stores that drop duplicates
by Message-ID show it once. One SMTP connection carries a whole batch.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path

from services.notifications.outcomes import (
    DELIVERED,
    PERMANENT,
    TECHNICAL,
    TEMPORARY,
    Outcome,
    Outgoing,
)
from services.notifications.settings import NotificationSettings

WIRE = policy.compat32.clone(linesep="\r\n")
Record = Callable[[Outgoing, Outcome], None]
Holds = Callable[[Outgoing], bool]


def compose(message: Outgoing, sender: str) -> bytes:
    """The message as it goes on the wire: text and HTML as alternatives, attachments after.

    Built with email.mime and the compat32 policy: a third of the CPU of EmailMessage with
    the modern policy, which was the largest cost of sending one e-mail.
    """
    content = message.content
    body = MIMEMultipart("alternative")
    body.attach(MIMEText(content["text"], "plain", "utf-8"))
    if content.get("html"):
        body.attach(MIMEText(content["html"], "html", "utf-8"))
    mail = body
    attachments = content.get("attachments", ())
    if attachments:
        mail = MIMEMultipart("mixed")
        mail.attach(body)
        for attachment in attachments:
            _, _, subtype = attachment["media_type"].partition("/")
            part = MIMEText(attachment["content"], subtype, "utf-8")
            part.add_header("Content-Disposition", "attachment", filename=attachment["filename"])
            mail.attach(part)
    name, address = parseaddr(sender)
    mail["From"] = formataddr((name, address), charset="utf-8")
    mail["To"] = message.recipient
    mail["Subject"] = Header(content["subject"], "utf-8")
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = f"<{message.id}@{_domain(sender)}>"
    mail["Auto-Submitted"] = "auto-generated"
    return mail.as_bytes(policy=WIRE)


def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


class MailChannel:
    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings

    def deliver(self, messages: list[Outgoing], record: Record, holds: Holds) -> None:
        """Send each message this sender still holds (its claim may have been taken over)."""
        if self.settings.email_transport == "folder":
            for message in messages:
                if holds(message):
                    record(message, self._into_folder(message))
            return
        self._over_smtp(messages, record, holds)

    def _into_folder(self, message: Outgoing) -> Outcome:
        folder = Path(self.settings.mail_folder)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{message.id}.eml"
        partial = target.with_suffix(".part")
        partial.write_bytes(compose(message, self.settings.sender))
        partial.rename(target)
        return Outcome(DELIVERED, f"written to {target}")

    def _over_smtp(self, messages: list[Outgoing], record: Record, holds: Holds) -> None:
        try:
            connection = self._connect()
        except (OSError, smtplib.SMTPException) as error:
            # the server is down or refuses us: every message waits for the next try
            for message in messages:
                record(message, Outcome(TEMPORARY, f"SMTP server unavailable: {error!r}"))
            return
        remaining = list(messages)
        try:
            while remaining:
                message = remaining[0]
                if holds(message):
                    record(message, self._send(connection, message))
                remaining.pop(0)
        except (OSError, smtplib.SMTPServerDisconnected) as error:
            # the server may have stored the one in flight before the line dropped
            in_flight, *waiting = remaining
            lost = f"in doubt (the connection was lost mid-send): {error!r}"
            record(in_flight, Outcome(TEMPORARY, lost))
            for message in waiting:
                record(message, Outcome(TEMPORARY, f"SMTP connection lost: {error!r}"))
        finally:
            try:
                connection.quit()
            except (OSError, smtplib.SMTPException):
                connection.close()

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        connection = smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout
        )
        connection.ehlo_or_helo_if_needed()
        if settings.smtp_starttls:
            connection.starttls(context=ssl.create_default_context())
            connection.ehlo()
        if settings.smtp_username:
            connection.login(settings.smtp_username, settings.smtp_password)
        return connection

    def _send(self, connection: smtplib.SMTP, message: Outgoing) -> Outcome:
        try:
            data = compose(message, self.settings.sender)
        except Exception as error:  # a message that cannot be built will not build later
            return Outcome(TECHNICAL, f"the message could not be composed: {error!r}")
        try:
            return self._transfer(connection, message, data)
        except smtplib.SMTPServerDisconnected:
            raise
        except smtplib.SMTPResponseException as error:
            return _refused("SMTP", error.smtp_code, error.smtp_error)

    def _transfer(self, connection: smtplib.SMTP, message: Outgoing, data: bytes) -> Outcome:
        envelope_from = parseaddr(self.settings.sender)[1]
        code, reply = connection.mail(envelope_from)
        if code != 250:
            connection.rset()
            return _refused("MAIL FROM", code, reply)
        code, reply = connection.rcpt(message.recipient)
        if code not in (250, 251):
            connection.rset()
            return _refused("RCPT TO", code, reply)
        code, reply = connection.data(data)
        if code != 250:
            return _refused("DATA", code, reply)
        return Outcome(DELIVERED, f"{code} {reply.decode(errors='replace')}"[:1000])


def _refused(step: str, code: int, reply: bytes) -> Outcome:
    status = TEMPORARY if 400 <= code < 500 else PERMANENT
    return Outcome(status, f"{step}: {code} {reply.decode(errors='replace')}"[:1000])
