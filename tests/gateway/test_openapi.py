"""The OpenAPI document: generated from the routes and schemas, served, and committed fresh."""

from __future__ import annotations

from pathlib import Path

from services.gateway.http import SIGN_IN_OPTIONAL
from services.gateway.openapi import build_document, openapi_path, render, routes
from services.gateway.openapi_export import COMMITTED
from services.gateway.service import GatewayService
from tests.support.gateway import DEV_AUTH

REPO = Path(__file__).resolve().parents[2]


def test_the_committed_openapi_document_is_fresh():
    assert COMMITTED == REPO / "docs" / "openapi.json"
    assert COMMITTED.read_text(encoding="utf-8") == render(build_document(GatewayService)), (
        "docs/openapi.json is stale: python -m services.gateway.openapi_export --write"
    )


def test_the_served_document_is_the_committed_one(gateway, web_session):
    answer = web_session.get("/api/v1/openapi.json")

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert render(answer.json()) == COMMITTED.read_text(encoding="utf-8")


def test_the_document_describes_every_route_with_its_schemas_and_errors():
    document = build_document(GatewayService)

    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert set(document["components"]["schemas"]["ErrorBody"]["properties"]) == {"error"}
    for _name, route in routes(GatewayService):
        path, _parameters = openapi_path(route.url)
        for method in route.method.split(","):
            operation = document["paths"][path][method.lower()]
            assert "500" in operation["responses"]
            if route.body is not None:
                schema = operation["requestBody"]["content"]["application/json"]["schema"]
                assert schema == {"$ref": f"#/components/schemas/{route.body.__name__}"}
                assert "invalid_input" in description(document, operation["responses"]["400"])
            if route.response is not None:
                success = next(str(status) for status in route.responses)
                schema = operation["responses"][success]["content"]["application/json"]["schema"]
                assert schema == {"$ref": f"#/components/schemas/{route.response.__name__}"}
            if route.roles == SIGN_IN_OPTIONAL:
                assert operation["security"] == [{}, {"bearer": []}]
                assert "401" in operation["responses"]
            elif route.roles is not None:
                assert operation["security"] == [{"bearer": []}]
                assert "401" in operation["responses"]
    assert len(routes(GatewayService)) == 109


def test_open311_routes_are_described_in_json_and_xml_and_refuse_with_the_spec_errors():
    document = build_document(GatewayService)
    path = document["paths"]["/api/v1/feedback/open311/v2/requests.{format}"]
    requests = path["get"]

    assert path["parameters"] == [
        {
            "in": "path",
            "name": "format",
            "required": True,
            "schema": {"type": "string", "enum": ["json", "xml"]},
        }
    ]
    assert set(requests["responses"]["200"]["content"]) == {"application/json", "text/xml"}
    for status in ("400", "404", "500"):
        refused = requests["responses"][status]["content"]["application/json"]["schema"]
        assert refused == {"type": "array", "items": {"$ref": "#/components/schemas/Open311Error"}}


def test_a_streamed_upload_is_described_as_raw_bytes_with_its_part_hash_header():
    document = build_document(GatewayService)

    operation = document["paths"]["/api/v1/documents/uploads/{upload_id}/parts/{number}"]["put"]

    assert operation["requestBody"]["content"] == {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
    }
    assert "X-Content-SHA256" in [parameter["name"] for parameter in operation["parameters"]]
    assert "part_hash_mismatch" in description(document, operation["responses"]["400"])


def test_the_clerks_live_stream_is_described_as_an_event_stream_for_the_office():
    document = build_document(GatewayService)

    operation = document["paths"]["/api/v1/notifications/stream"]["get"]

    assert operation["responses"]["200"]["content"] == {
        "text/event-stream": {"schema": {"type": "string"}}
    }
    assert operation["security"] == [{"bearer": []}]
    assert "clerk or admin" in operation["description"]
    assert "GET /api/v1/notifications/inbox" in operation["description"]


def description(document: dict, response: dict) -> str:
    """A response's description, following a reference to a shared response."""
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["description"]


def test_the_served_document_leaves_out_dev_login_where_it_is_switched_off(
    start_gateway, web_session
):
    start_gateway(auth={**DEV_AUTH, "dev_login": False})

    paths = web_session.get("/api/v1/openapi.json").json()["paths"]

    assert "/api/v1/auth/dev-login" not in paths
    assert "/api/v1/me" in paths


def test_every_error_type_has_its_code_in_the_documented_table():
    from services.common import errors as common
    from services.gateway import errors as gateway
    from services.gateway.errors import CODES

    for module in (common, gateway):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, common.ServiceError):
                if value is common.ServiceError:
                    continue
                assert CODES.get(value.code, (None,))[0] == value.http_status, (
                    f"add {value.__name__} to services/gateway/errors.py _KNOWN"
                )
