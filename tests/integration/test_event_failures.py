"""What happens to an event when a handler sees it twice, or fails on it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import structlog
from kombu import Connection
from nameko import config
from sqlalchemy import select, update

from services.common import dead_letters
from services.common.events import Event
from services.common.settings import database_url
from services.common.tables import outbox
from services.common.topology import DEAD_LETTER_QUEUE, UNROUTABLE_QUEUE
from tests.support.clients import cluster_client
from tests.support.databases import database_transaction
from tests.support.outage import database_behind_a_relay, wait_out_an_outage
from tests.support.pipeline import Base, Ledger, TallyService, publish_raw
from tests.support.waiting import wait_for


def test_the_same_event_delivered_twice_takes_effect_once(pipeline):
    cluster, _ = pipeline
    message = Event(type="entry_recorded", payload={"entry_id": "twice", "amount": 2}).to_message()

    publish_raw(message)
    publish_raw(message)

    assert wait_for(lambda: cluster.tally.counts() == {"twice": 1})
    assert wait_for(lambda: cluster.tally.counts("unless_broken") == {"twice": 1})


def test_an_event_the_relay_publishes_again_takes_effect_once(pipeline):
    cluster, _ = pipeline
    cluster.ledger.record("again", 1)
    wait_for(lambda: cluster.tally.counts() == {"again": 1})
    # as after a crash between publishing and marking the outbox row published
    with database_transaction(database_url("ledger")) as connection:
        connection.execute(update(outbox).values(published_at=None))
    wait_for(_published)

    cluster.ledger.record("after", 1)  # events are handled in order: this one comes last
    assert wait_for(lambda: cluster.tally.counts() == {"again": 1, "after": 1})


def operator_command(*args: str) -> str:
    """`rathaus-dead-letters ...`, run the way an operator runs it."""
    finished = subprocess.run(
        [sys.executable, "-m", "services.common.dead_letters", *args],
        env={**os.environ, "AMQP_URI": config["AMQP_URI"]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


def _published() -> bool:
    with database_transaction(database_url("ledger")) as connection:
        return all(connection.execute(select(outbox.c.published_at)).scalars())


def test_a_failing_handler_is_retried_with_back_off_then_dead_lettered_and_replayed_once(
    pipeline,
):
    cluster, broken_flag = pipeline
    broken_flag.touch()

    with structlog.testing.capture_logs() as logs:
        cluster.ledger.record("unlucky", 7)
        letters = wait_for(lambda: dead_letters.list_dead_letters(config["AMQP_URI"]))

    [letter] = letters
    assert letter.event_type == "entry_recorded"
    assert letter.queue == "evt-ledger-entry_recorded--tally.count_entry_unless_broken"
    assert letter.retries == 3
    assert "RuntimeError: tally is broken" in letter.error
    retries = [e for e in logs if e["event"] == "event_handler_failed_will_retry"]
    assert [(e["retry"], e["delay_ms"]) for e in retries] == [(1, 50), (2, 100), (3, 200)]
    # the healthy handler of the same event was not held up by its broken neighbour
    assert cluster.tally.counts() == {"unlucky": 1}
    assert cluster.tally.counts("unless_broken") == {}

    listing = operator_command("list")
    assert "1 dead letter(s)" in listing
    [row] = [line for line in listing.splitlines() if line.startswith(letter.id)]
    assert row.split()[1:3] == ["entry_recorded", "4"]  # type, tries (1 + 3 retries)
    assert row.endswith("RuntimeError: tally is broken")

    broken_flag.unlink()  # the fix is deployed
    assert operator_command("replay", letter.id).strip() == "replayed 1 dead letter(s)"

    assert wait_for(lambda: cluster.tally.counts("unless_broken") == {"unlucky": 1})
    assert dead_letters.list_dead_letters(config["AMQP_URI"]) == []
    assert dead_letters.replay(config["AMQP_URI"], None) == []
    assert cluster.tally.counts("unless_broken") == {"unlucky": 1}


def test_a_malformed_event_goes_straight_to_the_dead_letters(pipeline):
    cluster, _ = pipeline
    publish_raw({"type": "entry_recorded", "payload": {"entry_id": 3}})

    def both_handlers_refused_it():
        letters = dead_letters.list_dead_letters(config["AMQP_URI"])
        return letters if len(letters) == 2 else None  # one per handler queue

    letters = wait_for(both_handlers_refused_it)
    assert {letter.retries for letter in letters} == {0}
    assert all("InvalidEvent" in letter.error for letter in letters)
    assert dead_letters.discard(config["AMQP_URI"], None) == [letter.id for letter in letters]
    assert dead_letters.list_dead_letters(config["AMQP_URI"]) == []
    assert cluster.tally.counts() == {}


def ready_dead_letters() -> int:
    with Connection(config["AMQP_URI"]) as connection:
        return DEAD_LETTER_QUEUE(connection.channel()).queue_declare(passive=True)[1]


def test_a_replayed_letter_refused_again_is_replayed_once_per_call(pipeline):
    publish_raw({"type": "entry_recorded", "payload": {"entry_id": 4}})
    wait_for(lambda: len(dead_letters.list_dead_letters(config["AMQP_URI"])) == 2)
    recorded: list[str] = []

    def record(action: str, message) -> bool:
        recorded.append(dead_letters.record_of(action, message)["letter_id"])
        if len(recorded) == 2:
            # the first letter, refused again by its handler, is back before this pass ends
            wait_for(lambda: ready_dead_letters() == 1)
        return len(recorded) <= 2

    replayed = dead_letters.replay(config["AMQP_URI"], None, record)

    assert len(set(replayed)) == 2
    assert recorded == replayed
    # each replayed letter was refused again and is a dead letter once more
    wait_for(lambda: len(dead_letters.list_dead_letters(config["AMQP_URI"])) == 2)


def test_an_event_no_queue_takes_is_parked_in_the_unroutable_queue_not_dropped(
    create_tables, runner_factory
):
    create_tables("ledger", Base.metadata)
    runner_factory(Ledger).start()  # no consumer has ever declared its queue

    with cluster_client() as cluster:
        cluster.ledger.record("early", 1)

    def parked():
        with Connection(config["AMQP_URI"]) as connection:
            queue = UNROUTABLE_QUEUE(connection.channel())
            queue.declare()
            return queue.get(no_ack=True)

    message = wait_for(parked)
    assert message.payload["type"] == "entry_recorded"
    assert message.payload["payload"] == {"entry_id": "early", "amount": 1}
    assert message.headers["x-rathaus-exchange"] == "ledger.events"
    assert wait_for(_published)


@pytest.fixture
def tally_behind_a_relay(rabbit_config, create_tables, runner_factory):
    """The ledger on the tests' database; the tally's behind a relay."""
    with database_behind_a_relay("tally") as relay:
        create_tables("ledger", Base.metadata)
        create_tables("tally", Base.metadata)
        runner_factory(Ledger, TallyService).start()
        with cluster_client() as cluster:
            yield cluster, relay


def test_an_event_waits_out_its_handlers_database_being_away_and_is_handled_once(
    tally_behind_a_relay,
):
    cluster, relay = tally_behind_a_relay
    uri = config["AMQP_URI"]
    relay.close()  # the tally's database goes away

    with structlog.testing.capture_logs() as logs:
        cluster.ledger.record("patient", 3)
        wait_out_an_outage(logs)

    relay.open()  # and comes back
    assert wait_for(lambda: cluster.tally.counts() == {"patient": 1}, timeout=30)
    assert wait_for(lambda: cluster.tally.counts("unless_broken") == {"patient": 1}, timeout=30)
    assert dead_letters.list_dead_letters(uri) == []
