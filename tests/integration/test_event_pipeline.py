"""Events travel from one service's outbox to another's inbox, once."""

from tests.support.clients import cluster_client
from tests.support.pipeline import Base, Ledger, TallyService
from tests.support.waiting import wait_for


def test_a_recorded_entry_is_counted_once_by_each_handler(create_tables, runner_factory):
    create_tables("ledger", Base.metadata)
    create_tables("tally", Base.metadata)
    runner = runner_factory(Ledger, TallyService)
    runner.start()

    with cluster_client() as cluster:
        cluster.ledger.record("entry-1", 5)
        assert wait_for(lambda: cluster.tally.counts() == {"entry-1": 1})
        assert wait_for(lambda: cluster.tally.counts("unless_broken") == {"entry-1": 1})
