"""Every POST of the API is safe to send again after a lost answer, and says how: it takes an
Idempotency-Key, or its description says why a repeat makes nothing new."""

from __future__ import annotations

from services.gateway.idempotency import HEADER, RETRY_SAFE, KeyedRoute
from services.gateway.openapi import build_document, openapi_path, routes
from services.gateway.service import GatewayService


def test_every_post_takes_an_idempotency_key_or_says_why_a_retry_is_safe():
    document = build_document(GatewayService)
    unexplained = []
    for _name, route in routes(GatewayService):
        if "POST" not in route.method.split(","):
            continue
        path, _parameters = openapi_path(route.url)
        operation = document["paths"][path]["post"]
        headers = [p["name"] for p in operation.get("parameters", ()) if p.get("in") == "header"]
        if isinstance(route, KeyedRoute):
            assert HEADER in headers, path
            assert "idempotency_key_reused" in operation["responses"]["409"]["description"]
        elif RETRY_SAFE not in operation.get("description", ""):
            unexplained.append(path)
    assert unexplained == []


def test_the_creating_routes_take_the_key():
    keyed = {
        (route.method, route.url)
        for _name, route in routes(GatewayService)
        if isinstance(route, KeyedRoute)
    }

    assert {url.removeprefix("/api/v1/") for _method, url in keyed} == {
        "appointments/holds",
        "applications/drafts",
        "applications/cases",
        "applications/cases/<uuid(strict=False):case_id>/notes",
        "documents/uploads",
        "documents/letters",
        "feedback/reports",
        "feedback/ideas",
        "feedback/items/<uuid(strict=False):item_id>/comments",
        "feedback/items/<uuid(strict=False):item_id>/answers",
        "notifications/subscriptions",
        "notifications/templates/<name>/versions",
    }
    assert {method for method, _url in keyed} == {"POST"}


def test_the_header_says_how_long_a_key_is_kept():
    document = build_document(GatewayService)
    upload = document["paths"]["/api/v1/documents/uploads"]["post"]

    [header] = [p for p in upload["parameters"] if p["name"] == HEADER]

    assert header["in"] == "header" and header["required"] is False
    assert "kept for 24 hours" in header["description"]
