"""Reading content as it streams: its length, its SHA-256 and what it turns out to be.

Nothing here holds more than a chunk (and the sniffer's head) in memory, whatever the size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from services.common.web import exact_body
from services.documents.errors import UploadInterrupted
from services.documents.sniffing import ContentInspector


def body_chunks(stream, length: int) -> Iterator[bytes]:
    """Exactly `length` bytes of a request body; one that ends early is an interruption."""
    return exact_body(stream, length, _interrupted(length))


def _interrupted(length: int):
    def error(received: int) -> UploadInterrupted:
        return UploadInterrupted(
            "The upload ended before all its bytes arrived; send the part again.",
            {"expected": length, "received": received},
        )

    return error


class Observed:
    """Passes chunks through, hashing and counting them and showing them to an inspector."""

    def __init__(self, chunks: Iterable[bytes], inspector: ContentInspector | None = None) -> None:
        self._chunks = iter(chunks)  # scanning and draining continue one pass
        self.inspector = inspector
        self._hash = hashlib.sha256()
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self._hash.update(chunk)
            self.size += len(chunk)
            if self.inspector is not None:
                self.inspector.feed(chunk)  # raises ContentRefused as soon as it knows
            yield chunk

    def drain(self) -> None:
        for _ in self:
            pass

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()
