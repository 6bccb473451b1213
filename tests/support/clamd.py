"""A test double of ClamAV's clamd on 127.0.0.1: its real protocol, and the EICAR test file.

It answers PING, VERSION and INSTREAM (z- and n-prefixed commands), flags any stream holding
the EICAR test string, and can be told to hang up over a size limit or to refuse connections.
A pytest plugin (tests/conftest.py) for `fake_clamd`.
"""

from __future__ import annotations

import socketserver
import struct
import threading

import pytest

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!H+H*"
EICAR_SIGNATURE = "Eicar-Test-Signature"
VERSION = "ClamAV 1.4.2/27500/Mon Jan  6 09:00:00 2025"


class FakeClamd:
    """Listens on a free port of 127.0.0.1; `address` is "127.0.0.1:PORT".

    `size_limit` plays clamd's StreamMaxLength (None: no limit); `scanned` counts the streams
    given a verdict; `largest_piece` is the longest length-prefixed piece received.
    """

    def __init__(self) -> None:
        self.size_limit: int | None = None
        self.scanned = 0
        self.largest_piece = 0
        self._lock = threading.Lock()
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._running = False

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> FakeClamd:
        self._thread.start()
        self._running = True
        return self

    def stop(self) -> None:
        """Stop listening: connections to `address` are refused from now on."""
        if self._running:
            self._running = False
            self._server.shutdown()
        self._server.server_close()

    refuse_connections = stop

    def _record(self, piece_length: int) -> None:
        with self._lock:
            self.largest_piece = max(self.largest_piece, piece_length)

    def _count_scan(self) -> None:
        with self._lock:
            self.scanned += 1

    def _handler(self) -> type[socketserver.StreamRequestHandler]:
        clamd = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                command, end = read_command(self.rfile)
                if command == "PING":
                    self.reply("PONG", end)
                elif command == "VERSION":
                    self.reply(VERSION, end)
                elif command == "INSTREAM":
                    self.instream(end)
                elif command:
                    self.reply("UNKNOWN COMMAND", end)

            def instream(self, end: bytes) -> None:
                size = 0
                found = False
                tail = b""  # the end of the previous piece, for a string across two pieces
                while True:
                    header = self.rfile.read(4)
                    if len(header) < 4:
                        return  # the client hung up before the end of the stream
                    (length,) = struct.unpack(">I", header)
                    if length == 0:
                        break
                    size += length
                    if clamd.size_limit is not None and size > clamd.size_limit:
                        # as clamd does: answer, then hang up without reading the rest
                        self.reply("INSTREAM size limit exceeded. ERROR", end)
                        return
                    clamd._record(length)
                    piece = self.rfile.read(length)
                    found = found or EICAR in tail + piece
                    tail = piece[-(len(EICAR) - 1) :]
                clamd._count_scan()
                verdict = f"{EICAR_SIGNATURE} FOUND" if found else "OK"
                self.reply(f"stream: {verdict}", end)

            def reply(self, text: str, end: bytes) -> None:
                self.wfile.write(text.encode() + end)
                self.wfile.flush()

        return Handler


def read_command(stream) -> tuple[str, bytes]:
    """A command and the byte that ends it: "zCMD\\0" ends in NUL, "nCMD\\n" in a newline."""
    prefix = stream.read(1)
    end = {b"z": b"\0", b"n": b"\n"}.get(prefix)
    if end is None:
        return "", b"\n"
    command = bytearray()
    while len(command) < 64:
        byte = stream.read(1)
        if not byte or byte == end:
            break
        command += byte
    return command.decode("ascii", "replace"), end


@pytest.fixture
def fake_clamd():
    clamd = FakeClamd().start()
    yield clamd
    clamd.stop()
