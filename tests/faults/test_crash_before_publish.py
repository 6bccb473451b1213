"""A service that dies between committing and publishing loses no event and sends none twice."""

import time

from sqlalchemy import select

from services.common.settings import database_url
from services.common.tables import outbox
from tests.support.clients import cluster_client
from tests.support.databases import database_transaction
from tests.support.waiting import wait_for


def unpublished_events() -> list[str]:
    with database_transaction(database_url("ledger")) as connection:
        return list(
            connection.execute(
                select(outbox.c.event_type).where(outbox.c.published_at.is_(None))
            ).scalars()
        )


def test_an_event_committed_before_a_sigkill_is_delivered_once_after_restart(service_processes):
    service_processes("tally")
    # the relay is held back, so the kill lands after the commit and before the publish
    ledger = service_processes("ledger", OUTBOX_RELAY="false")
    with cluster_client() as cluster:
        cluster.ledger.record("before-crash", 10)
    assert unpublished_events() == ["entry_recorded"]

    ledger.kill()
    time.sleep(1.0)
    with cluster_client() as cluster:
        assert cluster.tally.counts() == {}

        ledger.start(OUTBOX_RELAY="true")

        assert wait_for(lambda: cluster.tally.counts() == {"before-crash": 1})
        assert wait_for(lambda: unpublished_events() == [])
        time.sleep(1.5)  # a second delivery would have arrived by now
        assert cluster.tally.counts() == {"before-crash": 1}
        assert cluster.tally.counts("unless_broken") == {"before-crash": 1}
