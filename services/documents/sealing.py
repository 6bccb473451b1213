"""Encryption at rest: every stored content has its own key, wrapped by the master key.

A part of an upload is sealed as a sequence of segments (1 MiB of plaintext each), every
segment AES-256-GCM with a fresh random nonce and, as associated data, the part number,
its index and whether it is the last: segments cannot be reordered, moved between parts or
cut off unnoticed, and a download authenticates each MiB before it is sent (a single GCM
over gigabytes would hand out plaintext before its tag is checked).

Erasing a content destroys its wrapped key with the blob (crypto-shredding): a copy of the
blob in a backup is noise without it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEGMENT = 1024 * 1024
NONCE = 12
TAG = 16
RECORD = NONCE + SEGMENT + TAG
_KEY_CONTEXT = b"rathaus-documents:data-key"
_SEGMENT_CONTEXT = b"rathaus-documents:segment"


class SealBroken(Exception):
    """Stored bytes that do not authenticate: tampered with, truncated or under another key."""


class MasterKey:
    """The configured key: wraps content keys and derives the service's other secrets."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self._key = key

    def new_wrapped_key(self) -> bytes:
        return self.wrap(AESGCM.generate_key(bit_length=256))

    def wrap(self, data_key: bytes) -> bytes:
        nonce = os.urandom(NONCE)
        return nonce + self._aead.encrypt(nonce, data_key, _KEY_CONTEXT)

    def unwrap(self, wrapped: bytes) -> bytes:
        try:
            return self._aead.decrypt(wrapped[:NONCE], wrapped[NONCE:], _KEY_CONTEXT)
        except InvalidTag:
            raise SealBroken("a content key that this master key did not wrap") from None

    def derive(self, purpose: str) -> bytes:
        """A key of its own for each purpose (link signing, blob addresses)."""
        return HKDF(hashes.SHA256(), 32, salt=None, info=purpose.encode()).derive(self._key)


def blob_address(address_key: bytes, sha256: str) -> str:
    """Where a content lives in the store: keyed, so the store's listing does not confirm
    whether the office holds a given known file."""
    return hmac.new(address_key, sha256.encode(), hashlib.sha256).hexdigest()


def _associated(part: int, index: int, last: bool) -> bytes:
    return _SEGMENT_CONTEXT + struct.pack(">IQ?", part, index, last)


def sealed_size(plain_size: int) -> int:
    segments = max(1, -(-plain_size // SEGMENT))
    return plain_size + segments * (NONCE + TAG)


def seal(
    chunks: Iterable[bytes], wrapped_key: bytes, master: MasterKey, part: int
) -> Iterator[bytes]:
    """The sealed form of a part's plaintext, which arrives in chunks of any size."""
    aead = AESGCM(master.unwrap(wrapped_key))
    for index, plain, last in _pieces(chunks, SEGMENT):
        nonce = os.urandom(NONCE)
        yield nonce  # apart from the ciphertext: joining them would copy each MiB once more
        yield aead.encrypt(nonce, plain, _associated(part, index, last))


def unseal(
    chunks: Iterable[bytes], wrapped_key: bytes, master: MasterKey, part: int
) -> Iterator[bytes]:
    """A part's plaintext, segment by segment, each authenticated before it is handed out."""
    aead = AESGCM(master.unwrap(wrapped_key))
    for index, record, last in _pieces(chunks, RECORD):
        yield _open_one(aead, record, part, index, last=last)


def _pieces(chunks: Iterable[bytes], size: int) -> Iterator[tuple[int, bytes, bool]]:
    """Chunks of any size as pieces of `size` bytes and a shorter (maybe empty) last one.

    A piece is "not last" only once more bytes are known to follow it, so that the last
    piece is always marked: cutting a part short after a whole segment is caught too.
    Chunks that already are whole pieces (a request body read a MiB at a time) pass
    without being copied.
    """
    pending = bytearray()
    held: bytes | None = None
    index = 0
    for chunk in chunks:
        if not pending and len(chunk) == size:
            whole = [chunk]
        else:
            pending += chunk
            whole = []
            while len(pending) >= size:
                whole.append(bytes(pending[:size]))
                del pending[:size]
        for piece in whole:
            if held is not None:
                yield index, held, False
                index += 1
            held = piece
    if held is not None and not pending:
        yield index, held, True
        return
    if held is not None:
        yield index, held, False
        index += 1
    yield index, bytes(pending), True


def _open_one(aead: AESGCM, record: bytes, part: int, index: int, *, last: bool) -> bytes:
    if len(record) < NONCE + TAG:
        raise SealBroken(f"part {part} is cut short at segment {index}")
    try:
        return aead.decrypt(record[:NONCE], record[NONCE:], _associated(part, index, last))
    except InvalidTag:
        raise SealBroken(f"part {part} does not authenticate at segment {index}") from None
