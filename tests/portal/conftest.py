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
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from services.common.migrations import drop_databases
from tests.support.processes import REPO, die_with_parent, free_port
from tests.support.smtp import MailCatcher
from tests.support.tiles import TileServer
from tests.support.waiting import wait_for

MANAGEMENT = "http://127.0.0.1:15672/api"
RABBIT = ("guest", "guest")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass
class Platform:
    url: str
    mail: MailCatcher
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text()


@pytest.fixture(scope="session")
def vhost() -> Iterator[str]:
    name = f"portal_test_{uuid.uuid4().hex[:10]}"
    requests.put(f"{MANAGEMENT}/vhosts/{name}", auth=RABBIT, timeout=10).raise_for_status()
    requests.put(
        f"{MANAGEMENT}/permissions/{name}/guest",
        json={"configure": ".*", "write": ".*", "read": ".*"},
        auth=RABBIT,
        timeout=10,
    ).raise_for_status()
    yield name
    requests.delete(f"{MANAGEMENT}/vhosts/{name}", auth=RABBIT, timeout=30)


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
        [sys.executable, "-m", "services.launch", "--config", "config/local.yaml"],
        cwd=REPO,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent,
    )
    platform = Platform(url, mail, process, log_path)
    try:
        wait_for(lambda: _healthy(platform), timeout=60, interval=0.2)
        yield platform
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
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


_AXE = Axe()


def assert_accessible(page: Page) -> None:
    """axe-core finds no violation of WCAG 2.1 A or AA on the page as it is now."""
    results = _AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    violations = [
        f"{violation['id']}: {violation['help']} at {[n['target'] for n in violation['nodes']]}"
        for violation in results.response["violations"]
    ]
    assert not violations, f"{page.url}: {violations}"


ROLE_LABELS = {
    "citizen": "Bürgerin oder Bürger",
    "clerk": "Sachbearbeitung",
    "admin": "Verwaltung der Plattform",
}


def sign_in(
    page: Page,
    subject: str,
    role: str = "citizen",
    name: str | None = None,
    departments: tuple[str, ...] = (),
) -> None:
    """Sign in through the portal's development sign-in page (AUTH.dev_login)."""
    page.goto("/sign-in")
    page.get_by_label("Benutzername").fill(subject)
    if name:
        page.get_by_label("Vor- und Nachname").fill(name)
    page.get_by_label(ROLE_LABELS[role]).check()
    if departments:
        page.get_by_label("Fachbereiche").fill(", ".join(departments))
    page.get_by_role("button", name="Anmelden").click()


def api_token(platform: Platform, subject: str, role: str, **claims) -> dict[str, str]:
    """Headers with a bearer token of the JSON API's dev login, for what a test does there."""
    answer = requests.post(
        f"{platform.url}/api/v1/auth/dev-login",
        json={"subject": subject, "role": role, **claims},
        timeout=10,
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def dog_tax_by_api(platform: Platform, citizen: str) -> dict:
    """A dog tax registration submitted through the JSON API as `citizen`: the case."""
    answer = requests.post(
        f"{platform.url}/api/v1/applications/cases",
        json={
            "application_type": "hundesteuer",
            "form": {
                "dogs": [
                    {
                        "name": "Luna",
                        "breed": "Pudel",
                        "born": "2022-01-01",
                        "chip_number": "276098106500001",
                    }
                ],
                "kept_since": "2023-01-01",
                "address": {
                    "street": "Markt",
                    "house_number": "1",
                    "postcode": "59494",
                    "city": "Soest",
                },
            },
            "contact": {"name": "Lena Krause"},
            "idempotency_key": str(uuid.uuid4()),
        },
        headers=api_token(platform, citizen, "citizen"),
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()
