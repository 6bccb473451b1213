import pytest

from tests.support.clients import cluster_client
from tests.support.pipeline import Base, Ledger, TallyService


@pytest.fixture
def pipeline(create_tables, runner_factory, tmp_path, monkeypatch):
    """The ledger and tally services in this process; the flag file breaks a tally handler."""
    create_tables("ledger", Base.metadata)
    create_tables("tally", Base.metadata)
    broken_flag = tmp_path / "tally-is-broken"
    monkeypatch.setenv("TALLY_BROKEN_FLAG", str(broken_flag))
    runner_factory(Ledger, TallyService).start()
    with cluster_client() as cluster:
        yield cluster, broken_flag
