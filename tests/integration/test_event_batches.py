"""A handler of many events takes those that come together as one batch, in one
transaction, each once; a bad event in a batch costs its neighbours nothing."""

from __future__ import annotations

import pytest
import structlog
from nameko import config
from sqlalchemy import func, select

from services.common import dead_letters
from services.common.events import Event
from services.common.settings import database_url
from services.common.tables import inbox
from tests.support.clients import cluster_client
from tests.support.databases import database_transaction
from tests.support.outage import database_behind_a_relay, wait_out_an_outage
from tests.support.pipeline import Base, BatchTallyService, publish_raw
from tests.support.queues import prefetch_of, queue_details
from tests.support.waiting import wait_for

HANDLER = "batch_tally.count_entries"
QUEUE = "evt-ledger-entry_recorded--batch_tally.count_entries"


@pytest.fixture
def batch_tally(create_tables, runner_factory):
    """With one worker: what arrives while it works makes the next batch, however slowly
    the broker hands the messages over on a busy machine."""
    create_tables("batch_tally", Base.metadata)
    with config.patch({"max_workers": 1}):
        runner_factory(BatchTallyService).start()
    with cluster_client() as cluster:
        yield cluster.batch_tally


def entry(entry_id: str, amount: int = 1) -> dict:
    return Event(
        type="entry_recorded", payload={"entry_id": entry_id, "amount": amount}
    ).to_message()


def transactions_of_the_batches() -> int:
    """Each batch's inbox rows carry the one time its transaction handled them."""
    with database_transaction(database_url("batch_tally")) as connection:
        return connection.execute(
            select(func.count(inbox.c.handled_at.distinct())).where(inbox.c.handler == HANDLER)
        ).scalar_one()


def test_a_batch_handler_asks_the_broker_for_two_batches_at_a_time(batch_tally):
    assert wait_for(lambda: prefetch_of(QUEUE) == [40])  # batch=20


def test_events_that_come_together_are_counted_in_batches_each_once(batch_tally):
    messages = [entry(f"burst-{number}") for number in range(40)]
    publish_raw(*messages, messages[7], messages[23])  # two published again

    expected = {f"burst-{number}": 1 for number in range(40)}
    counted_as_expected(batch_tally, expected)
    # forty events, far fewer transactions; the two published again were left out
    assert transactions_of_the_batches() <= 20
    publish_raw(messages[0])
    publish_raw(entry("last"))
    counted_as_expected(batch_tally, {**expected, "last": 1})


def counted_as_expected(batch_tally, expected: dict[str, int]) -> None:
    """Wait until the tally has counted `expected`; if it does not, name what it had
    counted and where the others are (in the queue, held by the consumer, dead-lettered)."""
    seen: dict[str, dict[str, int]] = {}

    def counted() -> bool:
        seen["counts"] = batch_tally.counts()
        return seen["counts"] == expected

    try:
        wait_for(counted, timeout=30)
    except AssertionError as gave_up:
        queue = queue_details(QUEUE)
        letters = dead_letters.list_dead_letters(config["AMQP_URI"])
        raise AssertionError(
            f"counted {seen.get('counts')}, not {expected}; {gave_up}; the queue holds "
            f"{queue.get('messages_ready')} ready and {queue.get('messages_unacknowledged')} "
            f"unacknowledged; dead letters: {[letter.error for letter in letters]}"
        ) from None


def test_a_bad_event_in_a_batch_is_dead_lettered_and_its_neighbours_are_counted(batch_tally):
    messages = [entry(f"near-{number}") for number in range(10)]
    messages[4] = entry("bad", amount=-1)

    publish_raw(*messages)

    expected = {f"near-{number}": 1 for number in range(10) if number != 4}
    counted_as_expected(batch_tally, expected)
    [letter] = wait_for(lambda: dead_letters.list_dead_letters(config["AMQP_URI"]))
    assert letter.queue == QUEUE
    assert "RefusedEntry: bad has a negative amount" in letter.error
    assert letter.retries == 0  # a refusal: not tried again
    assert batch_tally.counts() == expected


@pytest.fixture
def batch_tally_behind_a_relay(rabbit_config, create_tables, runner_factory):
    with database_behind_a_relay("batch_tally") as relay:
        create_tables("batch_tally", Base.metadata)
        runner_factory(BatchTallyService).start()
        with cluster_client() as cluster:
            yield cluster.batch_tally, relay


def test_a_batch_waits_out_its_database_being_away_and_is_counted_once(
    batch_tally_behind_a_relay,
):
    batch_tally, relay = batch_tally_behind_a_relay
    relay.close()  # the database goes away

    with structlog.testing.capture_logs() as logs:
        publish_raw(*[entry(f"patient-{number}") for number in range(8)])
        wait_out_an_outage(logs)

    relay.open()  # and comes back
    expected = {f"patient-{number}": 1 for number in range(8)}
    counted_as_expected(batch_tally, expected)
    assert dead_letters.list_dead_letters(config["AMQP_URI"]) == []
