"""The `NOTIFICATIONS` configuration section: channels, retries, limits, retention."""

from __future__ import annotations

from dataclasses import dataclass

from nameko.exceptions import ConfigurationError

from services.common.settings import from_section

CHANNEL_RATES = ("email", "sms", "webhook")


@dataclass(frozen=True)
class NotificationSettings:
    # e-mail: smtp (host, port, STARTTLS, login) or folder (one .eml file per message)
    email_transport: str = "folder"
    mail_folder: str = "var/mail"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout: float = 10.0
    sender: str = "Bürgerbüro <buergerbuero@example.org>"
    # SMS through one generic HTTP provider: a POST of sms_body (JSON with ((to)) and
    # ((text))) to sms_url, with sms_auth as the Authorization header; empty: no SMS
    sms_url: str = ""
    sms_auth: str = ""
    sms_body: str = '{"to": "((to))", "text": "((text))"}'
    sms_timeout: float = 10.0
    webhook_timeout: float = 10.0
    # callbacks to loopback or private addresses (true on a developer's machine only)
    private_callbacks: bool = False
    # where admins are alerted by e-mail when a message fails for good; empty: inbox only
    admin_email: str = ""
    # tries per message, waiting base, 2*base, 4*base ... at most max_delay between them
    max_attempts: int = 7
    retry_base_delay: float = 60.0
    retry_max_delay: float = 21600.0
    dispatch_interval: float = 1.0
    batch_size: int = 50
    # a message whose sender stopped mid-send is taken up again after this
    lease_seconds: float = 60.0
    # messages per channel and rate_window seconds (provider limits); 0: no limit
    email_rate: int = 0
    sms_rate: int = 0
    webhook_rate: int = 0
    rate_window_seconds: float = 60.0
    # the text of a delivered or failed message is purged after this; the log stays
    body_retention_days: float = 7.0
    inbox_retention_days: float = 365.0
    purge_interval: float = 3600.0
    default_language: str = "de"
    # the routing and template catalogues; empty: the ones that ship with the service
    routing_file: str = ""
    templates_file: str = ""

    @classmethod
    def from_config(cls) -> NotificationSettings:
        settings = from_section(cls, "NOTIFICATIONS")
        if settings.email_transport not in ("smtp", "folder"):
            raise ConfigurationError("NOTIFICATIONS.email_transport is smtp or folder.")
        if settings.max_attempts < 1:
            raise ConfigurationError("NOTIFICATIONS.max_attempts is at least 1.")
        return settings

    def retry_delay(self, attempts: int) -> float:
        """Capped exponential back-off after the n-th failed try."""
        return min(self.retry_base_delay * 2 ** (attempts - 1), self.retry_max_delay)

    def rate_of(self, channel: str) -> int:
        return getattr(self, f"{channel}_rate") if channel in CHANNEL_RATES else 0
