"""E-mail: over SMTP (STARTTLS and login as configured), or into a folder on this machine.

A message keeps one Message-ID (`<message id@sender's domain>`) however often it is tried:
should a try be repeated because the sender stopped after the server took the message but
before it was recorded (the window RFC 1047 describes), mail stores that drop duplicates
by Message-ID show it once. One SMTP connection carries a whole batch.
"""

from __future__ import annotations

import base64
import functools
import smtplib
import ssl
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import quote

from opentelemetry.trace import SpanKind

from services.common.tracing import TRACEPARENT_KEY, span_in, tracer_for
from services.notifications.outcomes import (
    DELIVERED,
    PERMANENT,
    TECHNICAL,
    TEMPORARY,
    Outcome,
    Outgoing,
)
from services.notifications.settings import NotificationSettings

Record = Callable[[Outgoing, Outcome], None]
Holds = Callable[[Outgoing], bool]


def compose(message: Outgoing, sender: str) -> bytes:
    """The message as it goes on the wire: text and HTML as alternatives, attachments after.

    Written out directly (headers, boundaries, base64 parts, CRLF), as email.mime with the
    compat32 policy writes it: its generator cost a millisecond of CPU per message, the
    largest part of sending one e-mail. Every part is UTF-8 in base64, so no line of a
    body can be taken for a boundary or run past 76 characters.
    """
    content = message.content
    boundary = f"=_{uuid.uuid4().hex}"
    lines = [
        *_sender_headers(sender),
        f"To: {_address(message.recipient)}",
        f"Subject: {_encoded_header(content['subject'])}",
        f"Date: {format_datetime(datetime.now(UTC))}",
        f"Message-ID: <{message.id}@{_domain(sender)}>",
        "Auto-Submitted: auto-generated",
        "MIME-Version: 1.0",
    ]
    alternatives = [_part("plain", content["text"])]
    if content.get("html"):
        alternatives.append(_part("html", content["html"]))
    attachments = content.get("attachments", ())
    if not attachments:
        lines.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        return _joined(lines, _multipart(boundary, alternatives))
    inner = f"=_{uuid.uuid4().hex}"
    parts = [
        f'Content-Type: multipart/alternative; boundary="{inner}"\r\n\r\n'.encode()
        + _multipart(inner, alternatives)
    ]
    for attachment in attachments:
        _, _, subtype = attachment["media_type"].partition("/")
        disposition = f"attachment; filename={_quoted(attachment['filename'])}"
        parts.append(_part(subtype, attachment["content"], disposition))
    lines.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
    return _joined(lines, _multipart(boundary, parts))


@functools.lru_cache(maxsize=8)
def _sender_headers(sender: str) -> tuple[str, ...]:
    name, address = parseaddr(sender)
    return (f"From: {formataddr((name, address), charset='utf-8')}",)


def _encoded_header(value: str) -> str:
    """A header's text: as it is when plain ASCII on one line, otherwise RFC 2047 words
    (which also keep a line break in a value from starting a header of its own)."""
    if value.isascii() and value.isprintable() and "=?" not in value and len(value) < 900:
        return value
    return Header(value, "utf-8").encode(linesep="\r\n")


def _address(value: str) -> str:
    if not value.isprintable():
        raise ValueError("an address with a line break or control character")
    return value


def _quoted(value: str) -> str:
    if value.isascii():
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return "utf-8''" + quote(value, safe="")


def _part(subtype: str, text: str, disposition: str | None = None) -> bytes:
    headers = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: base64'
    if disposition:
        headers += f"\r\nContent-Disposition: {disposition}"
    body = base64.encodebytes(text.encode()).replace(b"\n", b"\r\n")
    return headers.encode() + b"\r\n\r\n" + body


def _multipart(boundary: str, parts: list[bytes]) -> bytes:
    separator = f"--{boundary}\r\n".encode()
    return b"".join(separator + part + b"\r\n" for part in parts) + f"--{boundary}--\r\n".encode()


def _joined(headers: list[str], body: bytes) -> bytes:
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "localhost"


class MailChannel:
    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings
        self.tracer = tracer_for("notifications")

    def deliver(self, messages: list[Outgoing], record: Record, holds: Holds) -> None:
        """Send each message this sender still holds (its claim may have been taken over)."""
        if self.settings.email_transport == "folder":
            for message in messages:
                if holds(message):
                    record(message, self._traced(message, self._into_folder, message))
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
                    record(message, self._traced(message, self._send, connection, message))
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

    def _traced(self, message: Outgoing, send: Callable[..., Outcome], *args: Any) -> Outcome:
        """`send(*args)`, in a span under the handler run that wrote the message (tracing on)."""
        if self.tracer is None:
            return send(*args)
        attributes = {
            "rathaus.channel": "email",
            "rathaus.message.id": message.id,
            "rathaus.event.type": message.event_type,
            "rathaus.attempt": message.attempts + 1,
            "server.address": self.settings.smtp_host,
            "server.port": self.settings.smtp_port,
        }
        parent = message.content.get(TRACEPARENT_KEY)
        with span_in(
            self.tracer, "send email", kind=SpanKind.CLIENT, parent=parent, attributes=attributes
        ) as span:
            outcome = send(*args)
            if span is not None:
                span.set_attribute("rathaus.delivery.outcome", outcome.status)
            return outcome

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
