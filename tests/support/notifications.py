"""The notifications service on the real broker and database, mail to a real SMTP server on
loopback, SMS providers as local HTTP servers. A pytest plugin (tests/conftest.py), for the
services whose tests follow a mail to the citizen; the settings are imported from here."""

from __future__ import annotations

from typing import Any

import pytest

from services.common.migrations import upgrade
from services.common.settings import database_url
from services.notifications.service import NotificationsService
from tests.support.http_receiver import HttpReceiver
from tests.support.processes import free_port
from tests.support.smtp import MailCatcher

ADMIN_EMAIL = "it@soest.example"
SENDER = "Bürgerbüro Soest <buergerbuero@soest.example>"
OFFICE = {"name": "Stadt Soest - Bürgerbüro"}
REFUSED = "nobody@soest.example"


@pytest.fixture
def mail_catcher(tmp_path):
    catcher = MailCatcher(free_port(), tmp_path / "received", refuse=(REFUSED,)).start()
    yield catcher
    catcher.stop()


@pytest.fixture
def sms_provider():
    provider = HttpReceiver().start()
    yield provider
    provider.stop()


@pytest.fixture
def notification_settings(mail_catcher, sms_provider) -> dict[str, Any]:
    """Change before the service starts to test other settings."""
    return {
        "email_transport": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": mail_catcher.port,
        "smtp_timeout": 2,
        "sender": SENDER,
        "sms_url": f"{sms_provider.url}/messages",
        "sms_auth": "Bearer sms-test-key",
        "admin_email": ADMIN_EMAIL,
        "private_callbacks": True,
        "webhook_timeout": 2,
        "dispatch_interval": 0.2,
        "max_attempts": 3,
        "retry_base_delay": 0.2,
        "retry_max_delay": 0.5,
        "lease_seconds": 5,
    }


@pytest.fixture
def notifications(platform_config, container_factory, notification_settings):
    upgrade("notifications", database_url("notifications"))
    container = container_factory(
        NotificationsService, {"NOTIFICATIONS": notification_settings, "OFFICE": OFFICE}
    )
    container.start()
    return container
