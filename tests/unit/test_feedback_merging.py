"""Whose reports a clerk works, and which duplicates merge into which item. No broker, no
database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.common.context import Caller
from services.feedback.errors import CannotMerge
from services.feedback.events import ItemMerged
from services.feedback.merging import check_mergeable
from services.feedback.models import ItemRow
from services.feedback.reach import reach_of, works_on


def item(item_id: str, kind: str = "report", status: str = "submitted") -> ItemRow:
    return ItemRow(id=item_id, kind=kind, status=status, duplicate_of=None)


def test_a_clerk_works_the_items_of_their_departments_an_admin_all_a_citizen_none():
    roads = Caller(subject="rolf", role="clerk", departments=("roads",))
    assert works_on(roads, "roads") and not works_on(roads, "parks")
    assert reach_of(Caller(subject="kim", role="clerk")).nothing
    assert works_on(Caller(subject="ada", role="admin"), "parks")
    assert reach_of(Caller(subject="anna", role="citizen", departments=("roads",))).nothing


def test_a_duplicate_merges_into_another_item_of_its_kind_that_is_no_duplicate():
    check_mergeable(item("b"), item("a"))
    check_mergeable(item("b", "idea"), item("a", "idea", status="accepted"))
    for duplicate, kept in (
        (item("a"), item("a")),
        (item("b"), item("a", "idea")),
        (item("b"), item("a", status="duplicate")),
    ):
        with pytest.raises(CannotMerge):
            check_mergeable(duplicate, kept)


def test_item_merged_carries_ids_and_counts_only():
    merged = ItemMerged(
        item_id="6f1c0d7e-8a34-4c55-9a57-4a0bb1a1d001",
        duplicate_id="6f1c0d7e-8a34-4c55-9a57-4a0bb1a1d002",
        kind="report",
        category="streetlight",
        department="roads",
        followers_carried=2,
        me_too_carried=1,
        supports_carried=0,
        me_too=4,
        supports=0,
        merged_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
    )
    payload = merged.payload()
    assert payload["merged_at"] == "2026-12-02T09:00:00+00:00"
    assert ItemMerged.contract.thin(payload) == payload
    ItemMerged.contract.validate(payload)
