import pytest

from tests.support.pipeline import Base
from tests.support.processes import ServiceProcess


def pytest_collection_modifyitems(config, items):
    """The broker drill (marker `drill`) runs only when asked for (`make drill`, -m drill):
    it starts a three-node RabbitMQ cluster of its own and takes minutes."""
    if "drill" in (config.getoption("markexpr") or ""):
        return
    drills = [item for item in items if item.get_closest_marker("drill")]
    if drills:
        config.hook.pytest_deselected(items=drills)
        items[:] = [item for item in items if not item.get_closest_marker("drill")]


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
