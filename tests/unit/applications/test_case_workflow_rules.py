"""A case's state machine as types.yaml writes it: the moves each status allows, closed
cases that take nothing but a reopen, and one refusal for every other move."""

from __future__ import annotations

import pytest

from services.applications import workflow
from services.applications.errors import CaseClosed
from services.common.transitions import IllegalTransition
from tests.unit.applications.office import types


@pytest.fixture
def parking():
    return types()["bewohnerparkausweis"]


def test_each_action_moves_a_case_to_its_one_status(parking):
    assert workflow.target_of(parking, "submitted", "start_review") == "in_review"
    assert workflow.target_of(parking, "in_review", "approve") == "approved"
    assert workflow.target_of(parking, "information_requested", "answer") == "in_review"
    assert workflow.target_of(parking, "completed", "reopen") == "in_review"


def test_a_move_the_table_does_not_hold_names_where_the_case_may_go(parking):
    with pytest.raises(IllegalTransition) as refused:
        workflow.target_of(parking, "approved", "reject")

    assert refused.value.details == {
        "from": "approved",
        "to": "rejected",
        "allowed": ["completed"],
        "status": "approved",
        "action": "reject",
    }
    assert refused.value.message == "A case in approved cannot be moved to rejected."


def test_a_closed_case_refuses_every_move_but_a_reopen(parking):
    for action in workflow.ACTIONS:
        if action != "reopen":
            with pytest.raises(CaseClosed):
                workflow.target_of(parking, "completed", action)


def test_the_office_and_the_citizen_each_have_their_own_moves(parking):
    # whether the office waits for an answer is the case's business, not the table's
    citizen = workflow.CITIZEN_ACTIONS
    assert workflow.allowed_actions(parking, "submitted", citizen) == ["answer", "withdraw"]
    assert workflow.allowed_actions(parking, "in_review", citizen) == ["withdraw"]
    assert workflow.allowed_actions(parking, "approved", workflow.OFFICE_ACTIONS) == ["complete"]
    assert workflow.allowed_actions(parking, "completed", workflow.OFFICE_ACTIONS) == ["reopen"]
    assert workflow.allowed_actions(parking, "withdrawn") == []


def test_every_type_writes_its_machine_over_its_own_statuses():
    for kind in types().values():
        machine = workflow.transitions(kind)
        for status in kind.statuses:
            assert set(machine.allowed(status)) <= set(kind.statuses)
