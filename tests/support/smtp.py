"""The mail catcher: a real SMTP server process on loopback, and what it received, parsed."""

from __future__ import annotations

import email
import subprocess
import sys
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from tests.support.processes import REPO, dying_with_parent, stop_gently


class MailCatcher:
    def __init__(
        self,
        port: int,
        folder: Path,
        refuse: tuple[str, ...] = (),
        defer: tuple[str, ...] = (),
        hold_once: tuple[str, ...] = (),
    ) -> None:
        self.port = port
        self.folder = folder
        self.refuse = refuse  # answered for good: no such mailbox
        self.defer = defer  # answered for now: a full mailbox
        self.hold_once = hold_once  # the first message kept and never answered
        self.process: subprocess.Popen | None = None

    def start(self) -> MailCatcher:
        command = [
            sys.executable,
            "-m",
            "tests.support.smtp_server",
            "--port",
            str(self.port),
            "--folder",
            str(self.folder),
        ]
        for address in self.refuse:
            command += ["--refuse", address]
        for address in self.defer:
            command += ["--defer", address]
        for address in self.hold_once:
            command += ["--hold-once", address]
        self.process = subprocess.Popen(
            dying_with_parent(command), cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout.readline().strip() == "ready"
        return self

    def stop(self) -> None:
        if self.process:
            stop_gently(self.process, timeout=10)

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=default)
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages() if message["To"] == address]
