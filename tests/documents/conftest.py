"""Fixtures only the documents service's tests use; the service and the gateway started, and
the helpers, are in tests/support/documents.py."""

from __future__ import annotations

import pytest

from tests.support.documents import pdf
from tests.support.events import EventTap


@pytest.fixture
def events(platform_config):
    tap = EventTap("documents")
    yield tap
    tap.close()


@pytest.fixture
def annas_document(portal_of):
    """A document Anna uploaded herself."""
    return portal_of("anna").upload(pdf(50_000, b"anna's payslip")).json()
