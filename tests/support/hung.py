"""What every greenthread was doing when a test ran past pytest-timeout's limit.

Under eventlet, pytest-timeout's timer is a greenthread too: when it fires, the test is
waiting in a greenthread, not in an OS thread, so the plugin's own dump (one stack per OS
thread) shows only the timer. This adds the stack of every live greenlet, so a hang in a
run of the whole suite names the wait that never ended.
"""

from __future__ import annotations

import gc
import traceback

import greenlet
import pytest_timeout

_dump_os_threads = pytest_timeout.dump_stacks


def dump_stacks_and_greenlets(terminal) -> None:
    _dump_os_threads(terminal)
    for thing in gc.get_objects():
        try:
            if not isinstance(thing, greenlet.greenlet) or thing.gr_frame is None:
                continue
        except ReferenceError:
            # a weak proxy among the objects whose referent is gone: not a greenlet
            continue
        terminal.sep("~", f"greenlet {id(thing):#x}")
        terminal.write("".join(traceback.format_stack(thing.gr_frame)))


def install() -> None:
    # the plugin looks the function up when its timer fires
    pytest_timeout.dump_stacks = dump_stacks_and_greenlets
