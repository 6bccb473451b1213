"""The portal in a real browser: the whole platform as one process, Debian's Chromium
driven by Playwright, mail caught by an SMTP server on loopback.

These tests run under plain pytest (`make test` runs them after the services' suite):
Playwright's sync API does not shut down under eventlet's monkey-patching, which
`nameko test` applies. The platform is the launcher behind `make run`, in a vhost and
databases of its own (SQLite, or PostgreSQL when DATABASE_URL names it), with a small
proof of work so that the browser solves it in a moment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright

from services.common.migrations import drop_databases
from tests.support.portal import Platform
from tests.support.processes import REPO, dying_with_parent, free_port, stop_gently
from tests.support.smtp import MailCatcher
from tests.support.tiles import TileServer
from tests.support.vhosts import platform_vhost
from tests.support.waiting import wait_for

MANAGEMENT = "http://127.0.0.1:15672/api"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def vhost() -> Iterator[str]:
    with platform_vhost(MANAGEMENT, "portal_test_", timeout=10) as name:
        yield name


def _database_base(folder: Path) -> tuple[str, str | None]:
    """The platform's DATABASE_URL, and the PostgreSQL prefix to drop afterwards."""
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith("postgresql"):
        prefix = f"rathaus_portal_{uuid.uuid4().hex[:10]}"
        return configured.rsplit("/", 1)[0] + f"/{prefix}", prefix
    return f"sqlite:///{folder}/rathaus.db", None


@pytest.fixture(scope="module")
def platform_env() -> dict[str, str]:
    """Environment variables a test module adds to its platform's (override it there)."""
    return {}


@pytest.fixture(scope="module")
def platform(vhost, tmp_path_factory, platform_env) -> Iterator[Platform]:
    folder = tmp_path_factory.mktemp("platform")
    mail = MailCatcher(free_port(), folder / "mail").start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data_port = free_port()
    database, prefix = _database_base(folder)
    env = {
        **os.environ,
        "AMQP_URI": f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}",
        "DATABASE_URL": database,
        "GATEWAY_ADDRESS": f"127.0.0.1:{port}",
        "PORTAL_URL": url,
        "DOCUMENTS_DATA_ADDRESS": f"127.0.0.1:{data_port}",
        "DOCUMENTS_URL": f"http://127.0.0.1:{data_port}",
        "DOCUMENTS_STORAGE_PATH": str(folder / "documents"),
        "METRICS_ADDRESS": "",
        "NOTIFICATIONS_EMAIL_TRANSPORT": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail.port),
        "ALTCHA_MAX_NUMBER": "2000",
        "LOG_FORMAT": "json",
        "DEMO_DATA": "true",
        **platform_env,
    }
    log_path = folder / "platform.log"
    process = subprocess.Popen(
        dying_with_parent(
            [sys.executable, "-m", "services.launch", "--config", "config/local.yaml"]
        ),
        cwd=REPO,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    platform = Platform(url, mail, process, log_path)
    try:
        wait_for(lambda: _healthy(platform), timeout=60, interval=0.2)
        yield platform
    finally:
        stop_gently(process, timeout=20)
        mail.stop()
        if prefix is not None:
            drop_databases(os.environ["DATABASE_URL"], prefix)


def _healthy(platform: Platform) -> bool:
    assert platform.process.poll() is None, f"the platform exited: {platform.log()[-3000:]}"
    try:
        return requests.get(f"{platform.url}/health", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


@pytest.fixture(scope="module")
def tile_server() -> Iterator[TileServer]:
    """A map tile server on loopback, for a module whose `platform_env` names it."""
    server = TileServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, platform) -> Iterator[Page]:
    context = browser.new_context(base_url=platform.url, locale="de-DE")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
