"""Operators list, replay and discard dead letters over HTTP (admins only)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from kombu import Connection, Queue

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

DEAD_LETTERS = "/api/v1/admin/dead-letters"
HANDLER_QUEUE = "evt-tally-ledger.entry_recorded--count_entry"


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

    def make(event_type: str = "entry_recorded") -> str:
        event_id = str(uuid.uuid4())
        now = datetime.now(UTC).isoformat()
        with Connection(amqp_uri()) as connection:
            connection.Producer().publish(
                json.dumps({"event_id": event_id, "payload": {"entry_id": "e-1"}}),
                routing_key=DEAD_LETTER_QUEUE.name,
                declare=[DEAD_LETTER_QUEUE],
                message_id=event_id,
                type=event_type,
                content_type="application/json",
                delivery_mode=2,
                headers={
                    ORIGIN_QUEUE_HEADER: HANDLER_QUEUE,
                    RETRIES_HEADER: 3,
                    ERROR_HEADER: "RuntimeError: tally is broken",
                    FIRST_FAILED_HEADER: now,
                    DEAD_LETTERED_HEADER: now,
                },
            )
        return f"{HANDLER_QUEUE}/{event_id}"

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
    gateway, web_session, login, dead_letter, handler_queue
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
    gateway, web_session, login, dead_letter, handler_queue
):
    ids = [dead_letter() for _ in range(3)]
    admin = login("admin")

    answer = web_session.post(f"{DEAD_LETTERS}/discard", json={"all": True}, headers=admin)

    assert answer.status_code == 200
    assert answer.json() == {"discarded": ids}
    assert web_session.get(DEAD_LETTERS, headers=admin).json() == {"dead_letters": [], "count": 0}
    assert messages_in(handler_queue) == []


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
