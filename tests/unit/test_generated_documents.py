"""The documents integrators read are generated from the code and kept fresh."""

from pathlib import Path

from services.common.catalogue import generate

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_committed_event_catalogue_matches_the_code():
    committed = (DOCS / "events.md").read_text()
    assert committed == generate(), (
        "docs/events.md is stale: run `python -m services.common.catalogue --write docs/events.md`"
    )
