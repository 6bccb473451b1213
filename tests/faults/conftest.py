import pytest

from tests.support.pipeline import Base
from tests.support.processes import ServiceProcess


@pytest.fixture
def service_processes(create_tables, tmp_path):
    """Start the pipeline's services as processes; stop whatever is left at the end."""
    create_tables("ledger", Base.metadata)
    create_tables("tally", Base.metadata)
    started: list[ServiceProcess] = []

    def start(name: str, **env: str) -> ServiceProcess:
        target = {
            "ledger": "tests.support.pipeline:Ledger",
            "tally": "tests.support.pipeline:TallyService",
        }
        process = ServiceProcess(target[name], name, tmp_path, **env).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
