"""A process the tests start ends with the run that started it, however that run ends."""

from __future__ import annotations

import signal
import subprocess
import sys

from tests.support.processes import dying_with_parent
from tests.support.waiting import wait_for

# a stand-in for a test run: starts the command it is given, as the tests start a service,
# says its pid and waits
PARENT = """
import subprocess, sys, time
child = subprocess.Popen(sys.argv[1:])
print(child.pid, flush=True)
time.sleep(600)
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _command(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline") as cmdline:
        return cmdline.read().split("\0")[0]


def test_a_started_process_is_killed_when_the_run_that_started_it_is_killed():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, *dying_with_parent(["sleep", "600"])],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        child = int(parent.stdout.readline())
        # setpriv becomes the command: the same process, whose pid the tests signal
        wait_for(lambda: _command(child) == "sleep", timeout=10)

        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)

        wait_for(lambda: not _running(child), timeout=10)
    finally:
        parent.kill()
        parent.wait()
