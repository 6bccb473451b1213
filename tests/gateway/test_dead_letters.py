"""Operators list, replay and discard dead letters over HTTP (admins only); each act is kept
in the audit trail of the service whose queue the letter failed in."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from kombu import Connection, Queue

from services.common.errors import Forbidden
from services.common.settings import amqp_uri
from services.common.topology import (
    DEAD_LETTER_QUEUE,
    DEAD_LETTERED_HEADER,
    ERROR_HEADER,
    FIRST_FAILED_HEADER,
    ORIGIN_QUEUE_HEADER,
    REDELIVER_EXCHANGE,
    RETRIES_HEADER,
)
from tests.support.clients import as_caller
from tests.support.publishing import confirmed_connection

DEAD_LETTERS = "/api/v1/admin/dead-letters"
# a queue of the feedback service's (by its name), which no handler of it consumes
HANDLER_QUEUE = "evt-tally-ledger.entry_recorded--feedback.count_entry"
OWNERLESS_QUEUE = "evt-tally-ledger.entry_recorded--count_entry"
LONG_NOTE = "n" * 2000


@pytest.fixture
def owner(business_services, runner_factory):
    """The feedback service, which the dead letters' queue belongs to."""
    runner_factory(business_services["feedback"]).start()
    with as_caller("admin", "admin.anna", (), "Anna Admin") as cluster:
        yield cluster.feedback


@pytest.fixture
def anna(web_session) -> dict[str, str]:
    """An administrator's headers, with her name as the identity provider states it."""
    body = {"subject": "admin.anna", "role": "admin", "name": "Anna Admin"}
    answer = web_session.post("/api/v1/auth/dev-login", json=body)
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def handler_queue(platform_config):
    """The queue the dead letters failed in, where a replay sends them back."""
    queue = Queue(
        HANDLER_QUEUE, exchange=REDELIVER_EXCHANGE, routing_key=HANDLER_QUEUE, durable=True
    )
    with Connection(amqp_uri()) as connection:
        queue(connection.channel()).declare()
    return queue


@pytest.fixture
def dead_letter(handler_queue):
    """Put an event in the dead-letter queue as the retry plumbing would; return its id."""

    def make(event_type: str = "entry_recorded", queue: str = HANDLER_QUEUE) -> str:
        event_id = str(uuid.uuid4())
        now = datetime.now(UTC).isoformat()
        body = {"event_id": event_id, "payload": {"entry_id": "e-1", "note": LONG_NOTE}}
        with confirmed_connection() as connection:
            connection.Producer().publish(
                json.dumps(body),
                routing_key=DEAD_LETTER_QUEUE.name,
                declare=[DEAD_LETTER_QUEUE],
                message_id=event_id,
                type=event_type,
                content_type="application/json",
                delivery_mode=2,
                headers={
                    ORIGIN_QUEUE_HEADER: queue,
                    RETRIES_HEADER: 3,
                    ERROR_HEADER: "RuntimeError: tally is broken",
                    FIRST_FAILED_HEADER: now,
                    DEAD_LETTERED_HEADER: now,
                },
            )
        return f"{queue}/{event_id}"

    return make


def messages_in(queue: Queue) -> list[str]:
    ids = []
    with Connection(amqp_uri()) as connection:
        bound = queue(connection.channel())
        while (message := bound.get(no_ack=True)) is not None:
            ids.append(message.properties["message_id"])
    return ids


def test_an_admin_lists_the_dead_letters(gateway, web_session, login, dead_letter):
    first, second = dead_letter(), dead_letter("entry_corrected")

    answer = web_session.get(DEAD_LETTERS, headers=login("admin"))

    assert answer.status_code == 200
    listing = answer.json()
    assert listing["count"] == 2
    assert [letter["id"] for letter in listing["dead_letters"]] == [first, second]
    letter = listing["dead_letters"][1]
    assert letter["event_type"] == "entry_corrected"
    assert letter["queue"] == HANDLER_QUEUE
    assert letter["error"] == "RuntimeError: tally is broken"
    assert letter["retries"] == 3
    assert letter["age_seconds"] >= 0


def test_an_admin_replays_the_named_dead_letters_to_their_handler_queue(
    gateway, web_session, login, dead_letter, handler_queue, owner
):
    replayed, kept = dead_letter(), dead_letter()
    admin = login("admin")

    answer = web_session.post(f"{DEAD_LETTERS}/replay", json={"ids": [replayed]}, headers=admin)

    assert answer.status_code == 200
    assert answer.json() == {"replayed": [replayed]}
    assert messages_in(handler_queue) == [replayed.split("/")[-1]]
    remaining = web_session.get(DEAD_LETTERS, headers=admin).json()["dead_letters"]
    assert [letter["id"] for letter in remaining] == [kept]


def test_an_admin_discards_all_dead_letters(
    gateway, web_session, login, dead_letter, handler_queue, owner
):
    ids = [dead_letter() for _ in range(3)]
    admin = login("admin")

    answer = web_session.post(f"{DEAD_LETTERS}/discard", json={"all": True}, headers=admin)

    assert answer.status_code == 200
    assert answer.json() == {"discarded": ids}
    assert web_session.get(DEAD_LETTERS, headers=admin).json() == {"dead_letters": [], "count": 0}
    assert messages_in(handler_queue) == []


def test_a_replayed_letter_is_in_its_services_audit_trail_with_the_admin_and_the_letter(
    gateway, web_session, anna, dead_letter, handler_queue, owner
):
    replayed = dead_letter()

    web_session.post(f"{DEAD_LETTERS}/replay", json={"ids": [replayed]}, headers=anna)

    [change] = owner.dead_letter_trail()["changes"]
    assert (change["entity"], change["key"], change["action"]) == (
        "dead_letter",
        replayed,
        "replayed",
    )
    assert (change["actor"], change["actor_name"]) == ("admin.anna", "Anna Admin")
    before = change["before"]
    assert (before["queue"], before["event_type"]) == (HANDLER_QUEUE, "entry_recorded")
    assert before["headers"][ERROR_HEADER] == "RuntimeError: tally is broken"
    assert before["headers"][RETRIES_HEADER] == "3"
    assert before["body"].startswith('{"event_id": ')
    assert len(before["body"]) == 500 < before["body_length"]
    assert change["after"] == {"replayed_to": f"rathaus.redeliver/{HANDLER_QUEUE}"}


def test_a_discarded_letter_is_in_its_services_audit_trail(
    gateway, web_session, anna, dead_letter, handler_queue, owner
):
    discarded = dead_letter()

    web_session.post(f"{DEAD_LETTERS}/discard", json={"ids": [discarded]}, headers=anna)

    [change] = owner.dead_letter_trail()["changes"]
    assert (change["key"], change["action"], change["actor_name"]) == (
        discarded,
        "discarded",
        "Anna Admin",
    )
    assert change["after"] == {"discarded": True}


def test_a_letter_of_a_queue_no_service_owns_is_kept_for_want_of_a_trail(
    gateway, web_session, login, dead_letter
):
    kept = dead_letter(queue=OWNERLESS_QUEUE)
    admin = login("admin")

    answer = web_session.post(f"{DEAD_LETTERS}/discard", json={"all": True}, headers=admin)

    assert answer.json() == {"discarded": []}
    remaining = web_session.get(DEAD_LETTERS, headers=admin).json()["dead_letters"]
    assert [letter["id"] for letter in remaining] == [kept]


def test_a_clerk_neither_records_nor_reads_a_services_dead_letters(owner):
    act = {"letter_id": "q/1", "action": "discarded", "before": {}, "after": {}}
    with as_caller("clerk", "clerk.kim", ("roads",)) as cluster:
        with pytest.raises(Forbidden):
            cluster.feedback.record_dead_letter(act)
        with pytest.raises(Forbidden):
            cluster.feedback.dead_letter_trail()
    assert owner.dead_letter_trail()["changes"] == []


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (None, {"_schema": ['Give either "ids" or "all": true.']}),
        ({}, {"_schema": ['Give either "ids" or "all": true.']}),
        ({"all": False}, {"_schema": ['Give either "ids" or "all": true.']}),
        ({"ids": ["a/b"], "all": True}, {"_schema": ['Give either "ids" or "all": true.']}),
        ({"all": "yes"}, {"all": ["Not a valid boolean."]}),
        ({"all": 1}, {"all": ["Not a valid boolean."]}),
        ({"ids": []}, {"ids": ["Length must be between 1 and 1000."]}),
        ({"ids": "a/b"}, {"ids": ["Not a valid list."]}),
    ],
    ids=[
        "no-body",
        "empty",
        "all-false",
        "both",
        "all-string",
        "all-number",
        "no-ids",
        "ids-not-list",
    ],
)
def test_a_dead_letter_selection_must_be_some_ids_or_all_true(
    gateway, web_session, login, body, details
):
    answer = web_session.post(f"{DEAD_LETTERS}/replay", json=body, headers=login("admin"))

    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "code": "invalid_input",
        "message": "Some fields are not acceptable.",
        "details": details,
    }
