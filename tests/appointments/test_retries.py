"""A portal that lost the answer to a hold sends it again with the same Idempotency-Key: it
gets the first hold, though its proof of work is spent, and no second slot is taken."""

from __future__ import annotations

from tests.appointments.test_http import API, assert_error, booking, free_starts, portal  # noqa: F401


def keyed(key: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    return {**(headers or {}), "Idempotency-Key": key}


def test_a_hold_sent_again_with_its_key_is_the_same_hold(portal, login):  # noqa: F811
    anna = login("citizen", "anna")
    start = free_starts(portal)[0]
    body = booking(portal, start, "anna@example.org")
    first = portal.post(f"{API}/holds", json=body, headers=keyed("hold-1", anna))
    assert first.status_code == 201, first.text

    again = portal.post(f"{API}/holds", json=body, headers=keyed("hold-1", anna))

    assert again.status_code == 201, again.text
    assert again.json() == first.json()
    mine = portal.get(f"{API}/mine", headers=anna).json()["appointments"]
    assert [a["appointment_id"] for a in mine] == [first.json()["appointment_id"]]


def test_without_an_account_the_key_belongs_to_the_address_the_hold_is_mailed_to(portal):  # noqa: F811
    first_start, other_start = free_starts(portal)[:2]
    erika = booking(portal, first_start, "erika@example.org")
    held = portal.post(f"{API}/holds", json=erika, headers=keyed("hold-1"))

    again = portal.post(
        f"{API}/holds",
        json={**erika, "altcha": booking(portal, first_start)["altcha"]},
        headers=keyed("hold-1"),
    )
    elsewhere = portal.post(
        f"{API}/holds",
        json=booking(portal, other_start, "erika@example.org"),
        headers=keyed("hold-1"),
    )
    for_max = portal.post(
        f"{API}/holds",
        json=booking(portal, other_start, "max@example.org"),
        headers=keyed("hold-1"),
    )

    assert again.status_code == 201 and again.json() == held.json()
    assert_error(elsewhere, 409, "idempotency_key_reused")
    assert for_max.status_code == 201, for_max.text
    assert for_max.json()["appointment_id"] != held.json()["appointment_id"]
