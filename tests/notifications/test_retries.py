"""An admin's portal that lost the answer subscribes a webhook or adds a template version
again with the same Idempotency-Key: it gets the first answer, and nothing is made twice (the
callback is not tested twice)."""

from __future__ import annotations

from tests.notifications.test_gateway_routes import API, portal  # noqa: F401 (fixture)

SPEC = {
    "event_types": ["appointments.appointment_confirmed"],
    "filters": {"location": "rathaus"},
    "secret": "a-webhook-secret-of-some-length",
}
VERSIONS = f"{API}/templates/appointment_cancelled/versions"
VERSION = {"language": "de", "subject": "Abgesagt: ((service_name))", "body": "Hallo ((name))"}


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def test_a_subscription_sent_again_with_its_key_is_one_subscription_tested_once(
    portal,  # noqa: F811
    login,
    receiver,
):
    admin = login("admin", "root")
    spec = {**SPEC, "callback_url": f"{receiver.url}/hooks/rathaus"}

    first = portal.post(f"{API}/subscriptions", json=spec, headers=keyed(admin, "sub-1"))
    again = portal.post(f"{API}/subscriptions", json=spec, headers=keyed(admin, "sub-1"))
    reused = portal.post(
        f"{API}/subscriptions",
        json={**spec, "filters": {}},
        headers=keyed(admin, "sub-1"),
    )

    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json()
    assert reused.status_code == 409, reused.text
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    listed = portal.get(f"{API}/subscriptions", headers=admin).json()["subscriptions"]
    assert listed == [first.json()]
    assert len(receiver.received) == 1  # the one test call


def test_a_template_version_sent_again_with_its_key_is_one_version(portal, login):  # noqa: F811
    root, alex = login("admin", "root"), login("admin", "alex")

    first = portal.post(VERSIONS, json=VERSION, headers=keyed(root, "v-1"))
    again = portal.post(VERSIONS, json=VERSION, headers=keyed(root, "v-1"))
    by_alex = portal.post(VERSIONS, json=VERSION, headers=keyed(alex, "v-1"))

    assert first.status_code == again.status_code == 201, again.text
    assert again.json() == first.json() and first.json()["version"] == 2
    assert by_alex.json()["version"] == 3
    template = portal.get(f"{API}/templates/appointment_cancelled", headers=root).json()
    assert [v["version"] for v in template["versions"]["de"]] == [1, 2, 3]
