"""Services as processes of their own for the benches: launched, watched, stopped.

Each runs `python -m services.launch --config config/local.yaml --service <name>`, as one
would scale the platform out (several instances of one service too), with its output in a
log file. Linux ends it should the bench die without stopping it. Its peak resident memory
and the CPU time it used, and those of the servers beside it, are read from /proc.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from tests.support.processes import REPO, dying_with_parent

CONFIG = "config/local.yaml"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


class ServiceProcess:
    """`migrate=False` for instances that share a database migrated beforehand; `wrapper`
    goes between the interpreter and `-m services.launch` (a profiler, say)."""

    def __init__(
        self,
        service: str,
        env: dict[str, str],
        log_path: Path,
        *,
        migrate: bool = True,
        wrapper: Sequence[str] = (),
    ) -> None:
        self.service = service
        self.log_path = log_path
        launch = ["-m", "services.launch", "--config", CONFIG, "--service", service]
        if not migrate:
            launch.append("--no-migrate")
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                dying_with_parent([sys.executable, *wrapper, *launch]),
                cwd=REPO,
                env={**os.environ, **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_rss(self) -> int:
        """VmHWM: the most resident memory the process has had, in bytes."""
        return _status_kib(self.pid, "VmHWM") * 1024

    def rss(self) -> int:
        """VmRSS: the resident memory now, in bytes."""
        return _status_kib(self.pid, "VmRSS") * 1024

    def cpu_seconds(self) -> float:
        """User and system time the process has used so far."""
        return cpu_seconds(self.pid)

    def check_running(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(
                f"the {self.service} process exited ({self.process.returncode}):\n{self.tail()}"
            )

    def tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)


def profiler(name: str) -> list[str]:
    """With BENCH_PROFILE=<folder>, the arguments that run a process under bench/sampled.py,
    which leaves its profile there as <name>.txt; none otherwise."""
    folder = os.environ.get("BENCH_PROFILE")
    return ["-m", "bench.sampled", str(Path(folder) / f"{name}.txt")] if folder else []


@contextlib.contextmanager
def running(
    services: list[str], env: dict[str, str], log_dir: Path, ready: Callable[[], bool]
) -> Iterator[dict[str, ServiceProcess]]:
    """Start the services, wait until `ready()`, and stop them all afterwards (each under
    the sampling profiler with BENCH_PROFILE)."""
    processes: dict[str, ServiceProcess] = {}
    try:
        for service in services:
            processes[service] = ServiceProcess(
                service, env, log_dir / f"{service}.log", wrapper=profiler(service)
            )
        wait_until(ready, list(processes.values()))
        yield processes
    finally:
        for process in processes.values():
            process.stop()


def listening(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def wait_until(ready: Callable[[], bool], processes: list[ServiceProcess]) -> None:
    """Until `ready()`; raise should a process exit or the start take too long."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for process in processes:
            process.check_running()
        if ready():
            return
        time.sleep(0.2)
    tails = "\n".join(f"{process.service}:\n{process.tail()}" for process in processes)
    raise RuntimeError(f"the services were not ready within {START_TIMEOUT:g} s:\n{tails}")


def cpu_seconds(pid: int) -> float:
    """User and system time of a process, from /proc/<pid>/stat (fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_by_command(*commands: str) -> dict[int, float]:
    """CPU seconds so far of each process whose command name (/proc/<pid>/comm) is one of
    `commands`, whoever runs it: the broker's and the database's, say."""
    used = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() in commands:
                used[int(entry.name)] = cpu_seconds(int(entry.name))
        except OSError:
            continue  # it ended while we looked
    return used


def cpu_since(before: dict[int, float], now: dict[int, float]) -> float:
    """CPU seconds used between two `cpu_by_command` readings: a process that ended in
    between is left out, one that started is counted whole."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())


def machine_cpu_seconds() -> tuple[float, float]:
    """CPU seconds the whole machine was busy, and all there were (every core), since boot:
    from the first line of /proc/stat (idle and iowait are not busy)."""
    ticks = [int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    total = sum(ticks[:8])  # guest time is counted in user already
    idle = ticks[3] + ticks[4]
    tick = os.sysconf("SC_CLK_TCK")
    return (total - idle) / tick, total / tick


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(f"{field} is not in /proc/{pid}/status")
