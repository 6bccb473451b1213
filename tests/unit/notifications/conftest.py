"""The notifications service's use cases on a fake unit of work: the fixtures most tests share.

A test module that needs another handler's inbox or other callbacks defines its own."""

from __future__ import annotations

import pytest

from tests.unit.notifications.scene import setup, unit_of_work


@pytest.fixture
def uow(fake_uow):
    """A unit of work whose inbox records what the appointments events' handler handled."""
    return unit_of_work(fake_uow, handler="on_appointments_event")


@pytest.fixture
def intake(tmp_path):
    """The intake on the scene's catalogue (tests/unit/notifications/scene.py)."""
    return setup(tmp_path)
