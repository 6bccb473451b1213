"""An RPC's answer is checked against the output schema its service declares."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from marshmallow import Schema, fields
from nameko import config

from services.common.answers import AnswerOutOfContract, answer, mismatches
from services.common.audit import AuditPage, changes, record
from services.common.identity import Caller


class Step(Schema):
    status = fields.String(required=True)
    at = fields.String(required=True)


class CaseView(Schema):
    case_id = fields.String(required=True)
    note = fields.String(allow_none=True)
    history = fields.List(fields.Nested(Step), required=True)
    latest = fields.Nested(Step, allow_none=True)


CASE = {
    "case_id": "c-1",
    "history": [{"status": "submitted", "at": "2026-12-02T09:00:00+00:00"}],
    "latest": None,
}


def test_an_answer_in_the_declared_shape_has_no_mismatch():
    assert mismatches(CaseView(), CASE) == []
    assert mismatches(CaseView(), [CASE, CASE], many=True) == []


def test_a_field_the_schema_does_not_name_is_a_mismatch_where_dumping_would_drop_it():
    assert mismatches(CaseView(), {**CASE, "priority": "high"}) == [".priority is not in CaseView"]


def test_a_missing_required_field_is_a_mismatch_at_any_depth():
    broken = {**CASE, "history": [{"status": "submitted"}]}

    assert mismatches(CaseView(), broken) == [".history[0].at is missing"]
    assert mismatches(CaseView(), {"history": []}) == [".case_id is missing"]
    assert mismatches(CaseView(), [CASE, "c-2"], many=True) == ["[1] is not an object"]


def test_a_strict_platform_refuses_an_answer_out_of_contract_and_a_lenient_one_dumps_it():
    with config.patch({"RPC_STRICT_ANSWERS": True}), pytest.raises(AnswerOutOfContract):
        answer(CaseView, {**CASE, "priority": "high"}, where="applications.get_case")
    with config.patch({"RPC_STRICT_ANSWERS": False}):
        dumped = answer(CaseView, {**CASE, "priority": "high"}, where="applications.get_case")

    assert "priority" not in dumped and dumped["case_id"] == "c-1"


def test_a_page_of_the_administrators_trail_answers_as_its_schema_says(fake_uow):
    uow = fake_uow("unit_office")
    ada = Caller(subject="ada", role="admin", name="Ada Admin")
    moment = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)

    with uow.transaction() as tx:
        record(tx.session, ada, moment, entity="location", key="town-hall", before=None, after={})
        record(tx.session, ada, moment, entity="location", key="town-hall", before={}, after=None)
    with uow.transaction() as tx:
        page = changes(tx.session, {"entities": None, "key": None, "limit": 1, "before": None})

    assert mismatches(AuditPage(), page) == []
    assert page["changes"][0]["action"] == "removed" and page["next_cursor"] is not None
