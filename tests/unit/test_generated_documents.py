"""The documents integrators read are generated from the code and kept fresh."""

from pathlib import Path

from services import BUSINESS_SERVICES
from services.common import rpc_catalogue
from services.common.catalogue import generate

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_committed_event_catalogue_matches_the_code():
    committed = (DOCS / "events.md").read_text()
    assert committed == generate(), (
        "docs/events.md is stale: run `python -m services.common.catalogue --write docs/events.md`"
    )


def test_the_committed_rpc_catalogue_matches_the_code():
    committed = (DOCS / "rpc.md").read_text()
    assert committed == rpc_catalogue.render(), (
        "docs/rpc.md is stale: run `python -m services.common.rpc_catalogue --write docs/rpc.md`"
    )


def test_the_rpc_catalogue_tells_who_may_call_every_method_of_every_service():
    catalogue = rpc_catalogue.render()
    for name in BUSINESS_SERVICES:
        methods = list(rpc_catalogue.rpc_methods(rpc_catalogue.service_class(name)))
        assert methods, name
        for method_name, _, _ in methods:
            section = catalogue.split(f"### `{name}.{method_name}(")[1]
            assert "**Who may call**" in section.split("###")[0], f"{name}.{method_name}"
