"""Whose cases a clerk works: each application type names its department, and a clerk
reaches the cases of their departments' types only. No broker, no database."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from nameko.exceptions import ConfigurationError

from services.applications import catalogue
from services.applications.reach import reach_of
from services.common.context import Caller

TYPES = catalogue.load(api_url="https://rathaus.example.org/")


def clerk(*departments: str) -> Caller:
    return Caller(subject="clara", role="clerk", departments=departments)


def test_every_type_names_the_department_that_works_it():
    assert {key: kind.department for key, kind in TYPES.items()} == {
        "bewohnerparkausweis": "traffic",
        "meldebescheinigung": "registration",
        "hundesteuer": "taxes",
    }
    assert TYPES["hundesteuer"].view("en")["department_name"] == "Taxes and duties"
    assert TYPES["hundesteuer"].view("de")["department_name"] == "Steuern und Abgaben"


def test_a_clerk_reaches_the_types_of_their_departments_only():
    reach = reach_of(clerk("traffic", "taxes"), TYPES.values())
    assert reach.keys == {"bewohnerparkausweis", "hundesteuer"}
    assert reach.covers("hundesteuer") and not reach.covers("meldebescheinigung")


def test_a_clerk_of_no_department_or_of_another_office_reaches_nothing():
    assert reach_of(clerk(), TYPES.values()).nothing
    assert reach_of(clerk("roads", "parks"), TYPES.values()).nothing


def test_an_admin_reaches_every_case_and_a_citizen_no_queue():
    admin = reach_of(Caller(subject="ada", role="admin"), TYPES.values())
    assert admin.keys is None and admin.covers("anything")
    assert reach_of(Caller(subject="anna", role="citizen"), TYPES.values()).nothing


def test_a_type_whose_department_is_not_listed_stops_the_service(tmp_path: Path):
    document = yaml.safe_load((catalogue.HERE / "types.yaml").read_text(encoding="utf-8"))
    document["types"]["hundesteuer"]["department"] = "finance"
    broken = tmp_path / "types.yaml"
    broken.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ConfigurationError, match="finance"):
        catalogue.load(broken)
