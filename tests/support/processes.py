"""Services as real operating-system processes, for tests that kill or restart things."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from nameko import config

from tests.support.clients import cluster_client
from tests.support.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def dying_with_parent(command: list[str]) -> list[str]:
    """`command`, ended by Linux if the run that started it dies without stopping it.

    setpriv sets the parent-death signal and then becomes the command (the same process,
    the same pid). A `preexec_fn` doing the same ran Python in the forked child before its
    exec, where eventlet's hub could switch to the parent's greenthreads: a copy of the
    tests' vhost pipeline created vhosts on the broker that nobody deleted.
    """
    return ["setpriv", "--pdeathsig", "KILL", "--", *command]


def stop_gently(*processes: subprocess.Popen, timeout: float) -> None:
    """SIGTERM to each, so that they stop as in production; SIGKILL to whichever has not
    exited `timeout` seconds later."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    for process in running:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class ServiceProcess:
    def __init__(self, target: str, service_name: str, log_dir: Path, **env: str) -> None:
        self.target = target
        self.service_name = service_name
        self.log_path = log_dir / f"{service_name}.log"
        self.env = {
            **os.environ,
            "AMQP_URI": config["AMQP_URI"],
            "DATABASE_URL": config["DATABASE_URL"],
            "EVENT_RETRY_BASE_DELAY": "0.05",
            "EVENT_RETRY_MAX_DELAY": "0.2",
            "OUTBOX_SWEEP_INTERVAL": "0.5",
            "LOG_FORMAT": "json",
            **env,
        }
        self.process: subprocess.Popen | None = None

    def start(self, **env: str) -> ServiceProcess:
        starts_before = self._starts()
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            dying_with_parent(
                [sys.executable, "-m", "services.launch", "--no-migrate", "--module", self.target]
            ),
            cwd=REPO,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: self._answers(starts_before), timeout=30, interval=0.2)
        return self

    def _starts(self) -> int:
        return self.log().count('"event": "services_started"')

    def _answers(self, starts_before: int) -> bool:
        """Started and answering: the launcher logs `services_started` once every consumer
        is on its queue; the health RPC alone answers as soon as the RPC consumer is, maybe
        before an event handler's queue exists, and an event published then is not its."""
        assert self.process.poll() is None, f"{self.service_name} exited: {self.log()}"
        if self._starts() <= starts_before:
            return False
        with cluster_client() as cluster:
            return cluster[self.service_name].health()["status"] == "ok"

    def kill(self) -> None:
        """SIGKILL: no clean-up, no goodbye, exactly like a crash."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process:
            stop_gently(self.process, timeout=15)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""
