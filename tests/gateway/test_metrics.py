"""The gateway counts its answers by route template, never by the path a caller sent."""

from __future__ import annotations

from prometheus_client import REGISTRY


def requests_counted(route: str, method: str, status: int) -> float:
    labels = {"route": route, "method": method, "status": str(status)}
    return REGISTRY.get_sample_value("rathaus_http_requests_total", labels) or 0.0


def test_answers_are_counted_by_route_template_method_and_status(gateway, web_session, login):
    headers = login("citizen")
    me_before = requests_counted("/api/v1/me", "GET", 200)
    refused_before = requests_counted("/api/v1/me", "GET", 401)
    unmatched_before = requests_counted("<unmatched>", "GET", 404)

    assert web_session.get("/api/v1/me", headers=headers).status_code == 200
    assert web_session.get("/api/v1/me").status_code == 401
    assert web_session.get("/no/such/path/4711").status_code == 404

    assert requests_counted("/api/v1/me", "GET", 200) - me_before == 1
    assert requests_counted("/api/v1/me", "GET", 401) - refused_before == 1
    assert requests_counted("<unmatched>", "GET", 404) - unmatched_before == 1
    paths = {
        sample.labels["route"]
        for metric in REGISTRY.collect()
        if metric.name == "rathaus_http_requests"
        for sample in metric.samples
    }
    assert "/no/such/path/4711" not in paths


def test_a_method_nobody_uses_is_counted_as_other_not_by_its_name(gateway, web_session):
    before = requests_counted("<unmatched>", "OTHER", 405)

    assert web_session.request("BREW", "/api/v1/me").status_code == 405

    assert requests_counted("<unmatched>", "OTHER", 405) - before == 1
