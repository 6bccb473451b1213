"""The process that listens on a TCP port of this machine: the broker the bench uses, told
apart from other RabbitMQ nodes running beside it (a cluster drill's, say)."""

from __future__ import annotations

import contextlib
from pathlib import Path

LISTEN = "0A"  # the state column of /proc/net/tcp


def listening_pid(port: int) -> int | None:
    """The process holding the listening socket on `port`, from /proc (None if unknown)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == LISTEN and int(fields[1].rpartition(":")[2], 16) == port:
                    inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for descriptor in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if descriptor.readlink().as_posix() in inodes:
                        return int(entry.name)
    return None


def broker_cpu(amqp_uri: str) -> dict[int, float]:
    """CPU seconds so far of the broker behind `amqp_uri` (as `cpu_by_command` reads them);
    of every RabbitMQ node on the machine when the listener cannot be told."""
    from kombu.utils.url import parse_url

    from bench.processes import cpu_by_command, cpu_seconds

    pid = _BROKERS.get(amqp_uri)
    if pid is None:
        pid = _BROKERS[amqp_uri] = listening_pid(parse_url(amqp_uri)["port"] or 5672) or 0
    if not pid:
        return cpu_by_command("beam.smp")
    try:
        return {pid: cpu_seconds(pid)}
    except OSError:  # the broker restarted: look again next time
        del _BROKERS[amqp_uri]
        return cpu_by_command("beam.smp")


_BROKERS: dict[str, int] = {}
