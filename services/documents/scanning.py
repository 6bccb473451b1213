"""Virus scanning of uploaded documents: a hook, and its ClamAV (clamd) adapter.

With no scanner configured every document passes as clean (scanner "none"). With clamd, the
content is streamed to it with the INSTREAM command; if clamd cannot be reached or answers
anything but a verdict, ScannerUnavailable tells the caller not to accept the document.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

# clamd takes a stream in length-prefixed pieces; 1 MiB keeps each well inside its limits
MAX_PIECE = 1024 * 1024
# a verdict is one short line; anything longer is not clamd speaking
MAX_REPLY = 64 * 1024
END_OF_STREAM = struct.pack(">I", 0)


@dataclass(frozen=True)
class Verdict:
    clean: bool
    signature: str | None = None  # what was found, e.g. "Eicar-Test-Signature"
    scanner: str = "none"  # "none" | "clamd"


class ScannerUnavailable(Exception):
    """The scanner could not be reached or gave no verdict: the document must not be accepted."""


class Scanner(Protocol):
    def scan(self, chunks: Iterable[bytes]) -> Verdict: ...


class NoScanner:
    """No scanner configured: every content is clean."""

    def scan(self, chunks: Iterable[bytes]) -> Verdict:
        # read to the end all the same, so a caller's pipeline behaves alike with either scanner
        for _ in chunks:
            pass
        return Verdict(clean=True, scanner="none")

    def ping(self) -> bool:
        return True


class ClamdScanner:
    """Scans with a clamd daemon over TCP ("tcp://host:port", "host:port") or a unix socket
    ("unix:///run/clamav/clamd.ctl" or an absolute path)."""

    def __init__(self, address: str, timeout: float = 30.0) -> None:
        self.address = address
        self.timeout = timeout
        self._family, self._target = parse_address(address)

    def scan(self, chunks: Iterable[bytes]) -> Verdict:
        try:
            with self._connect() as connection:
                reply = self._stream(connection, chunks)
        except OSError as error:
            raise ScannerUnavailable(f"clamd at {self.address} failed: {error}") from error
        return parse_verdict(reply)

    def ping(self) -> bool:
        try:
            with self._connect() as connection:
                connection.sendall(b"zPING\0")
                return read_reply(connection) == "PONG"
        except OSError:
            return False

    def _connect(self) -> socket.socket:
        connection = socket.socket(self._family, socket.SOCK_STREAM)
        connection.settimeout(self.timeout)
        try:
            connection.connect(self._target)
        except OSError:
            connection.close()
            raise
        return connection

    def _stream(self, connection: socket.socket, chunks: Iterable[bytes]) -> str:
        try:
            connection.sendall(b"zINSTREAM\0")
            for piece in pieces(chunks):
                connection.sendall(struct.pack(">I", len(piece)))
                connection.sendall(piece)
            connection.sendall(END_OF_STREAM)
        except OSError as error:
            # clamd answers and hangs up when a stream exceeds its StreamMaxLength
            raise ScannerUnavailable(
                f"clamd at {self.address} stopped reading: {early_reply(connection, error)}"
            ) from error
        return read_reply(connection)


def parse_address(address: str) -> tuple[socket.AddressFamily, str | tuple[str, int]]:
    if address.startswith("unix://"):
        return socket.AF_UNIX, address.removeprefix("unix://")
    if address.startswith("/"):
        return socket.AF_UNIX, address
    host, separator, port = address.removeprefix("tcp://").rpartition(":")
    if not separator or not host or not port.isdigit():
        raise ValueError(f"A clamd address is host:port or a unix socket path, not {address!r}.")
    return socket.AF_INET, (host.strip("[]"), int(port))


def pieces(chunks: Iterable[bytes]) -> Iterator[memoryview]:
    """The chunks cut to at most MAX_PIECE bytes, uncopied; empty ones left out, since a
    zero length would end the stream."""
    for chunk in chunks:
        view = memoryview(chunk)
        for start in range(0, len(view), MAX_PIECE):
            yield view[start : start + MAX_PIECE]


def read_reply(connection: socket.socket) -> str:
    """clamd's answer to a z-command: text up to a NUL (or to the end of the connection)."""
    reply = bytearray()
    while b"\0" not in reply and len(reply) <= MAX_REPLY:
        data = connection.recv(4096)
        if not data:
            break
        reply += data
    return reply.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def early_reply(connection: socket.socket, error: OSError) -> str:
    """What clamd said before it closed the connection, or the error if nothing arrived."""
    try:
        reply = read_reply(connection)
    except OSError:
        reply = ""
    return reply or str(error)


def parse_verdict(reply: str) -> Verdict:
    """ "stream: OK" or "stream: <signature> FOUND"; anything else is no verdict."""
    result = reply.removeprefix("stream:").strip()
    if reply.startswith("stream:") and result == "OK":
        return Verdict(clean=True, scanner="clamd")
    if reply.startswith("stream:") and result.endswith(" FOUND"):
        return Verdict(clean=False, signature=result.removesuffix(" FOUND"), scanner="clamd")
    raise ScannerUnavailable(f"clamd gave no verdict: {reply or 'an empty answer'}")


def scanner_from_address(address: str | None, timeout: float = 30.0) -> Scanner:
    """The scanner configured by DOCUMENTS.scanner: clamd at that address, or none if empty."""
    if not address or not address.strip():
        return NoScanner()
    return ClamdScanner(address.strip(), timeout=timeout)
