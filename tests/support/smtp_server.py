"""A real SMTP server on loopback (aiosmtpd) that keeps each message as a file.

python -m tests.support.smtp_server --port 2525 --folder /tmp/mail \
    [--refuse user@x] [--defer user@y] [--hold-once user@z]

--refuse answers a recipient for good (550), --defer for now (451): a mailbox that is full.
--hold-once keeps the first message to a recipient and never answers it: a server that took
a message and went silent, so that its sender cannot know whether it was taken.

It runs as a process of its own so that a test can stop it (the server is down) and start
it again, and so that its asyncio loop never meets the tests' eventlet.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
from pathlib import Path

from aiosmtpd.controller import Controller


class KeepEach:
    def __init__(
        self,
        folder: Path,
        refused: set[str],
        deferred: set[str] = frozenset(),
        held: set[str] = frozenset(),
    ) -> None:
        self.folder = folder
        self.refused = refused
        self.deferred = deferred
        self.held = set(held)
        self.numbers = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        if address in self.deferred:
            return "451 4.2.2 Mailbox full, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        number = next(self.numbers)
        partial = self.folder / f"{os.getpid()}-{number:06d}.part"
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(partial.with_suffix(".eml"))
        if self.held & set(envelope.rcpt_tos):
            self.held -= set(envelope.rcpt_tos)
            await asyncio.Event().wait()  # taken, and never answered
        return f"250 2.0.0 Ok: queued as {os.getpid()}-{number}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--refuse", action="append", default=[])
    parser.add_argument("--defer", action="append", default=[])
    parser.add_argument("--hold-once", action="append", default=[])
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(
        KeepEach(args.folder, set(args.refuse), set(args.defer), set(args.hold_once)),
        hostname="127.0.0.1",
        port=args.port,
    )
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
