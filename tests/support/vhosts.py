"""Each test's own vhost on the real RabbitMQ: created ahead of the test, deleted behind it.

This replaces nameko's `rabbit_manager` and `vhost_pipeline` fixtures, whose management API
client waits for ever for an answer and whose pipeline ends its deleting greenthread at the
first error. One request the server never answered then stopped all deleting: every later
test's vhost stayed on the broker with its quorum queues (a Raft group each), until the
broker had thousands of them and a test's queue declaration timed out. Here every request
has a timeout and is sent again when the connection drops or the answer does not come; a
vhost that is already gone counts as deleted; and neither greenthread stops at an error.
"""

from __future__ import annotations

import contextlib
import random
import string
import uuid
import warnings
from collections.abc import Iterable, Iterator
from urllib.parse import urlparse

import eventlet
import pytest
import requests
from kombu.pools import connections
from nameko.testing.rabbit import Client
from nameko.testing.utils import ResourcePipeline
from requests import HTTPError
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

VHOST_PREFIX = "nameko_test_"
# connect, read (seconds): deleting a vhost with its queues answers within a second here
TIMEOUT = (5, 30)
# a request sent on a keep-alive connection as the server closes it, or one not answered in
# time, is sent again: creating, permitting and deleting a vhost are safe to repeat
RETRIES = Retry(total=5, connect=5, read=5, backoff_factor=0.2, allowed_methods=None)
# how long creating a vhost waits before it tries again after the management API failed
CREATE_BACKOFF = 1.0


@contextlib.contextmanager
def platform_vhost(management: str, prefix: str, timeout: float = 30) -> Iterator[str]:
    """A vhost of its own, permitted to guest, for a platform a test starts as processes;
    deleted afterwards. `management` is the API's base URL (http://host:port/api)."""
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    guest = ("guest", "guest")
    requests.put(f"{management}/vhosts/{name}", auth=guest, timeout=timeout).raise_for_status()
    requests.put(
        f"{management}/permissions/{name}/guest",
        json={"configure": ".*", "write": ".*", "read": ".*"},
        auth=guest,
        timeout=timeout,
    ).raise_for_status()
    try:
        yield name
    finally:
        requests.delete(f"{management}/vhosts/{name}", auth=guest, timeout=2 * timeout)


def queues_bound(manager: Client, vhost: str, exchange: str, routing_key: str) -> int:
    """How many queues are bound to `exchange` for `routing_key` in `vhost`: a consumer binds
    its queue after its container has started, and a message published before is unroutable."""
    try:
        bindings = manager._get("exchanges", vhost, exchange, "bindings", "source")
    except HTTPError as error:
        if error.response is not None and error.response.status_code == 404:
            return 0  # the exchange is not declared yet either
        raise
    return sum(binding["routing_key"] == routing_key for binding in bindings or ())


class VhostTrouble(UserWarning):
    """The management API failed a request about a test's vhost."""


class _BoundedAdapter(HTTPAdapter):
    """An adapter that gives every request a timeout unless the caller chose one."""

    def send(self, request, timeout=None, **kwargs):
        return super().send(request, timeout=timeout or TIMEOUT, **kwargs)


def management_client(api_uri: str) -> Client:
    manager = Client(api_uri)
    for scheme in ("http://", "https://"):
        manager._session.mount(scheme, _BoundedAdapter(max_retries=RETRIES))
    return manager


def _complain(what: str, error: BaseException) -> None:
    # a warning, not a line on stderr: pytest lists it in the summary, whichever test's
    # output was being captured at the time
    warnings.warn(f"vhosts: {what}: {error!r}", VhostTrouble, stacklevel=2)


def _vhost_pools(vhost: str) -> list:
    return [
        pool
        for key, pool in list(connections.items())
        if isinstance(key, Iterable) and not isinstance(key, str) and key[4] == vhost
    ]


class VhostPipeline:
    """Creates and permits vhosts ahead of the tests that take them, deletes them after."""

    def __init__(self, manager: Client, username: str) -> None:
        self.manager = manager
        self.username = username
        self.created: set[str] = set()

    def create(self) -> str:
        while True:
            vhost = VHOST_PREFIX + "".join(random.choices(string.ascii_lowercase, k=10))
            try:
                self.created.add(vhost)
                self.manager.create_vhost(vhost)
                self.manager.set_vhost_permissions(vhost, self.username, ".*", ".*", ".*")
                return vhost
            except Exception as error:
                _complain(f"creating {vhost} failed, trying again", error)
                self.delete(vhost)
                eventlet.sleep(CREATE_BACKOFF)

    def delete(self, vhost: str) -> None:
        try:
            self.manager.delete_vhost(vhost)
        except HTTPError as error:
            if error.response is None or error.response.status_code != 404:
                _complain(f"deleting {vhost} failed", error)
        except Exception as error:
            _complain(f"deleting {vhost} failed", error)
        # the connections a test left open in its vhost are closed by the broker with it
        for pool in _vhost_pools(vhost):
            pool.force_close_all()

    def delete_leftovers(self) -> None:
        """Delete what the broker still holds of this run's vhosts: a long stretch of tests
        that never yield to the hub leaves the deleting greenthread behind, and at the end
        of a run some were found on the broker that it had not been asked to delete."""
        try:
            present = {vhost["name"] for vhost in self.manager.get_all_vhosts()}
        except Exception as error:
            _complain("listing the vhosts failed", error)
            return
        for vhost in sorted(present & self.created):
            self.delete(vhost)


@pytest.fixture(scope="session")
def rabbit_manager(request) -> Client:
    return management_client(request.config.getoption("RABBIT_API_URI"))


@pytest.fixture(scope="session")
def vhost_pipeline(request, rabbit_manager) -> Iterator[ResourcePipeline]:
    username = urlparse(request.config.getoption("RABBIT_AMQP_URI")).username
    vhosts = VhostPipeline(rabbit_manager, username)
    with ResourcePipeline(vhosts.create, vhosts.delete).run() as pipeline:
        yield pipeline
    vhosts.delete_leftovers()
