"""Run a module under a sampling profiler, for the benches: where a service's CPU goes.

    python -m bench.sampled OUT.txt -m services.launch --service notifications ...

Every 5 ms of the process's CPU time (SIGPROF) the running stack is counted: under eventlet
that is the greenlet that has the CPU just then. At exit OUT.txt gets the shares of the
samples by package (of the frame on top) and the functions most often on top (self) and
anywhere on the stack (total). cProfile misleads under eventlet: a switch to another
greenlet looks like a call that lasts until the greenlet is resumed.
"""

from __future__ import annotations

import collections
import runpy
import signal
import sys
from pathlib import Path

INTERVAL = 0.005  # seconds of CPU between samples
TOP = 45  # functions on top of the stack
SHOWN = 0.5  # per cent of the samples: the least a function shown in the totals has


class Samples:
    def __init__(self) -> None:
        self.count = 0
        self.own: collections.Counter[str] = collections.Counter()
        self.total: collections.Counter[str] = collections.Counter()
        self.packages: collections.Counter[str] = collections.Counter()

    def take(self, _signum, frame) -> None:
        self.count += 1
        if frame is None:
            return
        self.own[_name(frame)] += 1
        self.packages[_package(frame.f_code.co_filename)] += 1
        seen = set()
        while frame is not None:
            name = _name(frame)
            if name not in seen:
                seen.add(name)
                self.total[name] += 1
            frame = frame.f_back

    def report(self) -> str:
        share = 100.0 / max(self.count, 1)
        lines = [f"{self.count} samples, one per {INTERVAL * 1000:g} ms of CPU", "", "by package:"]
        lines += [f"{n * share:6.1f}%  {name}" for name, n in self.packages.most_common(25)]
        lines += ["", "self (on top of the stack):"]
        lines += [f"{n * share:6.1f}%  {name}" for name, n in self.own.most_common(TOP)]
        lines += ["", f"total (anywhere on the stack), down to {SHOWN}%:"]
        lines += [
            f"{n * share:6.1f}%  {name}"
            for name, n in self.total.most_common()
            if n * share >= SHOWN
        ]
        return "\n".join(lines) + "\n"


def _name(frame) -> str:
    code = frame.f_code
    return f"{_short(code.co_filename)}:{code.co_firstlineno} {code.co_qualname}"


def _short(path: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/", "/work/main/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def _package(path: str) -> str:
    short = _short(path)
    if short.startswith("services/"):
        return "/".join(short.split("/")[:2])
    if "site-packages/" in path:
        return short.split("/", 1)[0]
    return (
        f"stdlib {short.split('/', 1)[0].removesuffix('.py')}" if "/lib/python" in path else short
    )


def main() -> None:
    out, flag, module, *arguments = sys.argv[1:]
    if flag != "-m":
        raise SystemExit(__doc__)
    samples = Samples()
    signal.signal(signal.SIGPROF, samples.take)
    signal.setitimer(signal.ITIMER_PROF, INTERVAL, INTERVAL)
    sys.argv = [module, *arguments]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit:
        pass
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(samples.report())


if __name__ == "__main__":
    main()
