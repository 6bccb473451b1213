"""Drafts: a citizen saves an application half done and resumes it later; a draft is theirs
alone."""

from __future__ import annotations

import pytest

from services.applications import use_cases
from services.applications.errors import DraftNotFound, UnknownApplicationType
from services.applications.schemas import DraftInput
from services.common.loading import load
from tests.unit.applications.office import ANNA, BEN, Desk, desk_of, types


@pytest.fixture
def desk(fake_uow) -> Desk:
    return desk_of(fake_uow)


def save(desk: Desk, draft: dict, draft_id=None, key=None, citizen=ANNA) -> dict:
    command = use_cases.SaveDraft(citizen, load(DraftInput, draft), draft_id, key)
    return use_cases.save_draft(command, desk.uow, desk.clock, types=types())


def test_a_draft_is_saved_and_resumed_as_it_was(desk):
    saved = save(desk, {"application_type": "hundesteuer", "form": {"dogs": [{"name": "Bello"}]}})

    resumed = use_cases.get_draft(use_cases.GetDraft(ANNA, saved["draft_id"]), desk.uow)

    assert resumed == saved
    assert resumed["form"] == {"dogs": [{"name": "Bello"}]}
    assert resumed["updated_at"] == "2026-12-02T09:00:00+00:00"


def test_a_draft_saved_again_is_replaced_as_a_whole(desk):
    saved = save(desk, {"application_type": "hundesteuer", "form": {"dogs": []}})
    desk.clock.advance(hours=2)

    replaced = {"application_type": "hundesteuer", "form": {"kept_since": "2026-01-01"}}
    save(desk, replaced, saved["draft_id"])

    drafts = use_cases.my_drafts(use_cases.MyDrafts(ANNA), desk.uow)
    assert [d["form"] for d in drafts] == [{"kept_since": "2026-01-01"}]
    assert drafts[0]["updated_at"] == "2026-12-02T11:00:00+00:00"


def test_a_new_draft_sent_twice_with_its_key_is_one_draft(desk):
    draft = {"application_type": "hundesteuer"}

    first = save(desk, draft, key="draft-1")
    again = save(desk, draft, key="draft-1")

    assert again["draft_id"] == first["draft_id"]
    assert len(use_cases.my_drafts(use_cases.MyDrafts(ANNA), desk.uow)) == 1


def test_another_citizens_draft_is_not_found(desk):
    saved = save(desk, {"application_type": "hundesteuer"})

    with pytest.raises(DraftNotFound) as refused:
        use_cases.get_draft(use_cases.GetDraft(BEN, saved["draft_id"]), desk.uow)
    with pytest.raises(DraftNotFound):
        save(desk, {"application_type": "hundesteuer"}, saved["draft_id"], citizen=BEN)

    assert refused.value.code == "draft_not_found"
    assert use_cases.my_drafts(use_cases.MyDrafts(BEN), desk.uow) == []


def test_a_draft_of_an_unknown_type_is_refused(desk):
    with pytest.raises(UnknownApplicationType):
        save(desk, {"application_type": "angelschein"})

    assert use_cases.my_drafts(use_cases.MyDrafts(ANNA), desk.uow) == []
