"""The applications service with the documents service (and the gateway for uploads) on the
real broker and database. Test data: tests/support/applications.py."""

from __future__ import annotations

import pytest

from services.applications.service import ApplicationsService
from services.common.migrations import upgrade
from services.common.settings import database_url
from tests.support.events import EventTap


@pytest.fixture
def applications(platform, container_factory, web_config_port):
    upgrade("applications", database_url("applications"))
    # the form schemas are named where the test's gateway serves them
    api_url = f"http://127.0.0.1:{web_config_port}"
    container = container_factory(ApplicationsService, {"APPLICATIONS": {"api_url": api_url}})
    container.start()
    return container


@pytest.fixture
def case_events(platform_config):
    tap = EventTap("applications")
    yield tap
    tap.close()
