"""Fixtures: the real RabbitMQ (a vhost per test) and a real database (SQLite or PostgreSQL).

`make test` runs on SQLite; with DATABASE_URL pointing at PostgreSQL the same tests run
there, each test in databases of its own.
"""

from __future__ import annotations

import hashlib
import os
import sys
import uuid
from urllib.parse import urljoin

import pytest

# the support modules' asserts report their values too (they are imported before pytest
# would take them as plugins)
pytest.register_assert_rewrite("tests.support")

import requests  # noqa: E402
from nameko import config  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from services.common import migrations  # noqa: E402
from services.common.engine import create_service_engine  # noqa: E402
from services.common.migrations import drop_databases  # noqa: E402
from services.common.settings import database_url as service_database_url  # noqa: E402
from services.common.tables import plumbing_metadata  # noqa: E402
from tests.support import hung  # noqa: E402
from tests.support.documents import TEST_MASTER_KEY  # noqa: E402
from tests.support.processes import free_port  # noqa: E402

hung.install()

# the fixtures more than one folder uses; a folder's conftest.py keeps the ones only it uses
pytest_plugins = [
    "tests.support.fakes",
    "tests.support.gateway",
    "tests.support.documents",
    "tests.support.appointments",
    "tests.support.notifications",
    "tests.support.s3",
    "tests.support.clamd",
    "tests.support.vhosts",
]
FAST_RETRIES = {"max_retries": 3, "retry_base_delay": 0.05, "retry_max_delay": 0.2}


_EXIT_STATUS = pytest.StashKey[int]()


def pytest_sessionfinish(session, exitstatus):
    session.config.stash[_EXIT_STATUS] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """End the process once pytest is done, skipping the interpreter's shutdown: after a
    whole run it collects the garbage of some two thousand tests' containers, connections
    and greenthreads, which took minutes on these machines after the summary was printed.
    An xdist worker is left to end as xdist ends it."""
    status = config.stash.get(_EXIT_STATUS, None)
    if status is None or hasattr(config, "workerinput"):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def pytest_addoption(parser):
    parser.addoption(
        "--share-files",
        default=None,
        metavar="DIR",
        help="run only the test files this process is the first to take in DIR: processes "
        "given the same DIR run every selected file once between them (scripts/in-parts); "
        "pytest-xdist's workers cannot run eventlet's hub, which the broker tests need",
    )


def pytest_configure(config):
    if config.getoption("share_files"):
        config.pluginmanager.register(SharedFiles(config.getoption("share_files")), "shared")


class SharedFiles:
    """Each process walks the same tests in the same order and takes each file it reaches
    that no other process took first (a file created exclusively in the shared folder), so
    the files fall to whichever process is free: the parts end within a file of each other,
    however long each file's tests take."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.taken: dict[str, bool] = {}

    def _take(self, path: str) -> bool:
        if path not in self.taken:
            token = os.path.join(self.folder, hashlib.sha1(path.encode()).hexdigest())
            try:
                os.close(os.open(token, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                self.taken[path] = True
            except FileExistsError:
                self.taken[path] = False
        return self.taken[path]

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        if self._take(str(item.path)):
            # the test before was torn down as far as the next test in the list needed,
            # which may be one of another's in another folder: end what this one does not
            item.session._setupstate.teardown_exact(item)
            return None  # pytest runs it
        if nextitem is None:  # the last test was another's: end the session's fixtures here
            item.session._setupstate.teardown_exact(None)
        return True  # another process runs this file


def pytest_collection_modifyitems(items):
    """Mark `broker` every test that reaches RabbitMQ: each of nameko's broker fixtures (a vhost,
    its config, the AMQP URI) starts from `rabbit_manager`, so the fixtures a test asks for say
    it, and `make unit` / `make integration` select by the mark instead of by a list to keep.
    Mark `server` every test that starts a server or the platform's processes of its own (the
    local S3, a service as a process): real components too, for the integration layer."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "rabbit_manager" in fixtures:
            item.add_marker(pytest.mark.broker)
        if "s3_server" in fixtures or item.path.parent.name in ("faults", "integration"):
            item.add_marker(pytest.mark.server)


def postgres_base_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


@pytest.fixture
def database_url(tmp_path):
    """The base DATABASE_URL of one test; each service derives its own database from it."""
    base = postgres_base_url()
    if base is None:
        yield f"sqlite:///{tmp_path}/rathaus.db"
        return
    prefix = f"rathaus_test_{uuid.uuid4().hex[:10]}"
    yield make_url(base).set(database=prefix).render_as_string(hide_password=False)
    drop_databases(base, prefix)


@pytest.fixture
def platform_config(rabbit_config, database_url, tmp_path):
    """nameko config for one test: its own vhost, its own databases, quick retries, its own
    document store and data plane port."""
    with config.patch(
        {
            "DATABASE_URL": database_url,
            "EVENTS": FAST_RETRIES,
            "OUTBOX": {"sweep_interval": 0.5},
            "RPC_TIMEOUT": 5,
            "DOCUMENTS": {
                "master_key": TEST_MASTER_KEY,
                "data_address": f"127.0.0.1:{free_port()}",
                "storage_path": str(tmp_path / "documents"),
            },
        }
    ):
        yield config


@pytest.fixture
def create_tables(platform_config):
    """Create a test service's tables and the plumbing tables in the service's database."""

    def create(service_name: str, *metadatas) -> str:
        url = service_database_url(service_name)
        migrations.create_tables(url, *metadatas)
        return url

    return create


@pytest.fixture
def plumbing_engine(tmp_path):
    """A SQLite database of its own with the plumbing tables (outbox, inbox and their kin)."""
    engine = create_service_engine(f"sqlite:///{tmp_path}/plumbing.db")
    plumbing_metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def web_session(web_config_port):
    """nameko's own fixture joins URLs with a helper werkzeug 3 no longer has."""

    class WebSession(requests.Session):
        def request(self, method, url, *args, **kwargs):
            return super().request(
                method, urljoin(f"http://127.0.0.1:{web_config_port}/", url), *args, **kwargs
            )

    with WebSession() as session:
        yield session
