"""Query strings: read through the route's schema, refused field by field like a body."""

from __future__ import annotations

from services.gateway.openapi import build_document
from services.gateway.service import GatewayService

SEARCH = "/test/search"


def refusal_details(answer) -> dict:
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"] == "Some fields are not acceptable."
    return error["details"]


def test_a_query_reaches_the_route_typed_by_its_schema(gateway_under_test, web_session):
    query = {"service": "passport", "from": "2026-12-01", "page": "2", "tags": ["a", "b"]}

    answer = web_session.get(SEARCH, params=query)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "service": "passport",
        "date_from": "2026-12-01",
        "page": 2,
        "tags": ["a", "b"],
    }


def test_a_query_with_a_key_the_route_does_not_know_is_refused(gateway_under_test, web_session):
    answer = web_session.get(SEARCH, params={"service": "passport", "from": "2026-12-01", "x": "1"})

    assert refusal_details(answer) == {"x": ["Unknown field."]}


def test_a_query_with_missing_or_mistyped_values_names_each_field(gateway_under_test, web_session):
    answer = web_session.get(SEARCH, params={"from": "tomorrow", "page": "two"})

    assert refusal_details(answer) == {
        "service": ["Missing data for required field."],
        "from": ["Not a valid date."],
        "page": ["Not a valid integer."],
    }


def test_a_key_given_twice_is_refused_unless_its_field_is_a_list(gateway_under_test, web_session):
    answer = web_session.get(SEARCH, params={"service": ["a", "b"], "from": "2026-12-01"})

    assert refusal_details(answer) == {"service": ["Not a valid string."]}


def test_a_list_field_takes_a_single_value_as_a_list_of_one(gateway_under_test, web_session):
    answer = web_session.get(SEARCH, params={"service": "a", "from": "2026-12-01", "tags": "x"})

    assert answer.json()["tags"] == ["x"]


def test_the_openapi_document_lists_query_fields_with_their_types_and_whether_required():
    operation = build_document(GatewayService)["paths"]["/api/v1/appointments/availability"]["get"]

    parameters = {
        parameter["name"]: (parameter["in"], parameter["required"], parameter["schema"])
        for parameter in operation["parameters"]
    }
    assert parameters == {
        "service": ("query", True, {"type": "string"}),
        "from": ("query", True, {"type": "string", "format": "date"}),
        "to": ("query", True, {"type": "string", "format": "date"}),
        "location": ("query", False, {"type": "string"}),
    }
    assert "invalid_input" in operation["responses"]["400"]["description"]
