"""The feedback service with the documents service and the gateway, on the real broker and
database; photos are real uploads. Test data: tests/support/feedback.py."""

from __future__ import annotations

import pytest

from services.common.migrations import upgrade
from services.common.settings import database_url
from services.feedback.service import FeedbackService
from tests.support.events import EventTap


@pytest.fixture
def feedback_settings() -> dict:
    """Change before the service starts to test other settings."""
    return {"location_blur_meters": 50, "submissions_per_hour": 50}


@pytest.fixture
def feedback(platform, container_factory, feedback_settings):
    upgrade("feedback", database_url("feedback"))
    container = container_factory(FeedbackService, {"FEEDBACK": feedback_settings})
    container.start()
    return container


@pytest.fixture
def feedback_events(platform_config):
    tap = EventTap("feedback")
    yield tap
    tap.close()
