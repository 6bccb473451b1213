"""The whole platform as one process, as `make run` starts it, for what looks at the portal
from outside: the portal bench and scripts/screenshots.py.

`python -m services.launch --config config/local.yaml` (every service and the gateway that
serves the pages) on SQLite in a temporary folder with the demo office, in the vhost given,
its mail to an SMTP server on loopback. Free of eventlet: a Playwright process may use it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.processes import REPO, dying_with_parent, free_port
from tests.support.smtp import MailCatcher
from tests.support.waiting import wait_for

START_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0


@dataclass(frozen=True)
class Platform:
    url: str
    env: dict[str, str]
    mail: MailCatcher


def environment(uri: str, folder: Path, port: int, smtp_port: int) -> dict[str, str]:
    """As tests/portal/conftest.py's platform; the proof of work as configured, unless
    ALTCHA_MAX_NUMBER is in the environment."""
    data_port = free_port()
    return {
        **os.environ,
        "AMQP_URI": uri,
        "DATABASE_URL": f"sqlite:///{folder}/rathaus.db",
        "GATEWAY_ADDRESS": f"127.0.0.1:{port}",
        "PORTAL_URL": f"http://127.0.0.1:{port}",
        "DOCUMENTS_DATA_ADDRESS": f"127.0.0.1:{data_port}",
        "DOCUMENTS_URL": f"http://127.0.0.1:{data_port}",
        "DOCUMENTS_STORAGE_PATH": str(folder / "documents"),
        "METRICS_ADDRESS": "",
        "NOTIFICATIONS_EMAIL_TRANSPORT": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "DEMO_DATA": "true",
    }


@contextlib.contextmanager
def platform(uri: str, **overrides: str) -> Iterator[Platform]:
    """The platform started and healthy; stopped, its folder removed, afterwards."""
    with tempfile.TemporaryDirectory(prefix="rathaus-portal-") as name:
        folder = Path(name)
        mail = MailCatcher(free_port(), folder / "mail").start()
        port = free_port()
        env = environment(uri, folder, port, mail.port) | overrides
        log_path = folder / "platform.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                dying_with_parent(
                    [sys.executable, "-m", "services.launch", "--config", "config/local.yaml"]
                ),
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _healthy(url, process, log_path), timeout=START_TIMEOUT, interval=0.2)
            yield Platform(url, env, mail)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            mail.stop()


def _healthy(url: str, process: subprocess.Popen, log_path: Path) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"the platform exited:\n{log_path.read_text()[-3000:]}")
    try:
        return requests.get(f"{url}/health", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False
