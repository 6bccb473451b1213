"""Fixtures only the notifications service's tests use: webhook receivers and the events the
service publishes. The service itself, mail and SMS: tests/support/notifications.py."""

from __future__ import annotations

import pytest

from tests.support.events import EventTap
from tests.support.http_receiver import HttpReceiver


@pytest.fixture
def receiver():
    """A webhook receiver."""
    server = HttpReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def sent(platform_config):
    tap = EventTap("notifications")
    yield tap
    tap.close()
