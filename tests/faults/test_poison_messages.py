"""A message that kills its consumer process each time ends in the dead letters after the
broker's delivery limit, instead of crashing the service for ever; operators list it and
the service goes on with the rest."""

from __future__ import annotations

import subprocess
import sys
import time

from sqlalchemy import select

from services.common import dead_letters
from services.common.settings import amqp_uri, database_url
from services.common.topology import DELIVERY_LIMIT
from tests.support.clients import cluster_client
from tests.support.databases import database_transaction
from tests.support.pipeline import Base, Tally
from tests.support.poison import POISON_PREFIX
from tests.support.processes import REPO, ServiceProcess, dying_with_parent
from tests.support.publishing import publish
from tests.support.waiting import wait_for

HANDLER_QUEUE = "evt-ledger-entry_recorded--crasher.count_entry"
# crashing instances started side by side: while one starts again, another takes the message
INSTANCES = 3


def tallied() -> list[str]:
    with database_transaction(database_url("crasher")) as connection:
        return list(connection.execute(select(Tally.entry_id)).scalars())


def test_a_message_that_kills_its_consumer_each_time_ends_in_the_dead_letters(
    create_tables, tmp_path
):
    create_tables("crasher", Base.metadata)
    crasher = ServiceProcess("tests.support.poison:Crasher", "crasher", tmp_path)
    # the first instance declares the handler queue, which the poison entry then reaches
    crasher.start()
    poison = publish("ledger", "entry_recorded", {"entry_id": f"{POISON_PREFIX}-1", "amount": 1})

    crashes = 0
    running: list[subprocess.Popen] = [crasher.process]
    deadline = time.monotonic() + 120
    log = (tmp_path / "crashes.log").open("a")

    def reap() -> int:
        """The instances that have exited since the last look, taken out of `running`."""
        exited = [process for process in running if process.poll() is not None]
        for process in exited:
            running.remove(process)
        return len(exited)

    try:
        while not dead_letters.list_dead_letters(amqp_uri()):
            assert time.monotonic() < deadline, f"no dead letter after {crashes} crashes"
            crashes += reap()
            while len(running) < INSTANCES:
                running.append(
                    subprocess.Popen(
                        dying_with_parent(
                            [
                                sys.executable,
                                "-m",
                                "services.launch",
                                "--no-migrate",
                                "--module",
                                crasher.target,
                            ]
                        ),
                        cwd=REPO,
                        env=crasher.env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            time.sleep(0.2)
        # the instance whose death dead-lettered the message died before the letter was listed
        crashes += reap()
    finally:
        for process in running:
            process.kill()
            process.wait(timeout=10)
        log.close()

    # the broker gave the message DELIVERY_LIMIT + 1 times, each to an instance that died
    assert crashes >= DELIVERY_LIMIT
    [letter] = dead_letters.list_dead_letters(amqp_uri())
    assert letter.id == f"{HANDLER_QUEUE}/{poison.event_id}"
    assert letter.queue == HANDLER_QUEUE
    assert dead_letters.owner(letter.queue) == "crasher"
    assert letter.event_type == "entry_recorded"
    assert letter.error.startswith("PoisonMessage: the broker dead-lettered it (delivery_limit)")
    assert 0 <= letter.age_seconds < 120

    # the service runs again and handles what comes after it
    crasher.start()
    try:
        publish("ledger", "entry_recorded", {"entry_id": "fine-1", "amount": 2})
        assert wait_for(lambda: tallied() == ["fine-1"], timeout=30)
        with cluster_client() as cluster:
            assert cluster.crasher.health()["status"] == "ok"
    finally:
        crasher.stop()

    # the operator can discard it like any dead letter (a replay would kill it again)
    assert dead_letters.discard(amqp_uri(), [letter.id]) == [letter.id]
    assert dead_letters.list_dead_letters(amqp_uri()) == []
