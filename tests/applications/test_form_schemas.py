"""A portal reads each application type's form as JSON Schema through the gateway, at the URI
a case's metadata names, and the service refuses what the schema refuses: over HTTP, on the
real broker and database."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from tests.support.form_schemas import fields_the_schema_refuses, paths_in, validator_for

TYPES = "/api/v1/applications/types"
CASES = "/api/v1/applications/cases"
DOG = {"name": "Bello", "breed": "Labrador", "born": "2022-05-01", "chip_number": "276098106123456"}
ADDRESS = {"street": "Am Vreithof", "house_number": "8", "postcode": "59494", "city": "Soest"}


def schema_path(key: str) -> str:
    return f"{TYPES}/{key}/schema.json"


def dog_tax(form: dict) -> dict:
    return {
        "application_type": "hundesteuer",
        "form": form,
        "contact": {"name": "Anna Schmidt", "email": "anna@example.org"},
    }


@pytest.fixture
def anna(login):
    return login("citizen", "anna")


def test_each_type_serves_the_form_schema_its_types_entry_carries(
    applications, web_session, web_config_port
):
    listed = web_session.get(TYPES, params={"language": "en"}).json()["application_types"]

    assert {kind["key"] for kind in listed} == {
        "bewohnerparkausweis",
        "meldebescheinigung",
        "hundesteuer",
    }
    for kind in listed:
        answer = web_session.get(schema_path(kind["key"]), params={"language": "en"})
        assert answer.status_code == 200, answer.text
        assert answer.headers["Content-Type"] == "application/schema+json"
        schema = answer.json()
        assert schema == kind["form_schema"]
        assert schema["$id"] == f"http://127.0.0.1:{web_config_port}{schema_path(kind['key'])}"
        Draft202012Validator.check_schema(schema)


def test_the_schema_speaks_german_unless_english_is_asked(applications, web_session):
    german = web_session.get(schema_path("hundesteuer")).json()
    english = web_session.get(schema_path("hundesteuer"), params={"language": "en"}).json()

    assert (german["title"], german["properties"]["dogs"]["title"]) == (
        "Hundesteuer-Anmeldung",
        "Hunde",
    )
    assert german["properties"]["dogs"]["x-translations"]["en"]["title"] == "Dogs"
    assert (english["title"], english["properties"]["dogs"]["title"]) == (
        "Dog tax registration",
        "Dogs",
    )
    assert english["$id"] == german["$id"]


def test_an_unknown_type_or_language_is_refused(applications, web_session):
    unknown = web_session.get(schema_path("fishing-licence"))
    french = web_session.get(schema_path("hundesteuer"), params={"language": "fr"})

    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "unknown_application_type"
    assert french.status_code == 400
    assert french.json()["error"]["code"] == "invalid_input"


def test_a_case_names_the_schema_it_was_checked_against_and_that_schema_accepts_its_form(
    applications, web_session, anna
):
    form = {"dogs": [DOG], "kept_since": "2026-11-01", "address": ADDRESS}
    assert not fields_the_schema_refuses(web_session.get(schema_path("hundesteuer")).json(), form)

    answer = web_session.post(CASES, json=dog_tax(form), headers=anna)

    assert answer.status_code == 201, answer.text
    case = answer.json()
    uri = case["submission"]["contentStructure"]["data"]["submissionSchema"]["schemaUri"]
    named = web_session.get(uri)
    assert named.status_code == 200
    assert named.json()["$id"] == uri
    validator_for(named.json()).validate(case["form"])


def test_a_form_the_served_schema_refuses_is_refused_by_the_service_naming_the_same_fields(
    applications, web_session, anna
):
    second = {**DOG, "name": "Luna", "chip_number": "27609810612345"}
    form = {"dogs": [DOG, second], "kept_since": "2026-11-1", "colour": "brown"}
    schema = web_session.get(schema_path("hundesteuer")).json()

    answer = web_session.post(CASES, json=dog_tax(form), headers=anna)

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid_form"
    # JSON has no integer keys: the service names the second dog "1"
    by_schema = {tuple(map(str, path)) for path in fields_the_schema_refuses(schema, form)}
    assert paths_in(error["details"]) == by_schema
    assert by_schema == {("dogs", "1", "chip_number"), ("kept_since",), ("colour",), ("address",)}
