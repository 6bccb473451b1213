"""The feedback service publishes its own contracts, one per kind of item, and handles the
events of others by their publishers' contracts."""

from __future__ import annotations

import pytest

from services.applications.events import APPLICATION_STATUS_CHANGED
from services.appointments.events import APPOINTMENT_COMPLETED
from services.feedback import events
from services.feedback.service import FeedbackService


@pytest.mark.parametrize("kind", events.KINDS)
def test_each_kind_of_item_has_its_own_contracts(kind):
    assert events.SUBMITTED[kind].type == f"{kind}_submitted"
    assert events.STATUS_CHANGED[kind].type == f"{kind}_status_changed"
    assert events.SUBMITTED[kind].source == events.STATUS_CHANGED[kind].source == "feedback"


@pytest.mark.parametrize(
    ("handler", "contract"),
    [
        ("on_appointment_completed", APPOINTMENT_COMPLETED),
        ("on_application_status_changed", APPLICATION_STATUS_CHANGED),
    ],
)
def test_a_handler_listens_to_its_publishers_contract_and_says_its_retry_policy(handler, contract):
    [entrypoint] = getattr(FeedbackService, handler).nameko_entrypoints

    assert (entrypoint.source_service, entrypoint.event_type) == (contract.source, contract.type)
    assert entrypoint.permanent == ()
