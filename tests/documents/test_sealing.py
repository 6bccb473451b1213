"""Sealed content authenticates every segment: tampering, reordering and cutting are caught."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from services.documents.errors import InvalidLink, LinkExpired
from services.documents.links import DownloadGrant, read_link, sign_link
from services.documents.sealing import RECORD, SEGMENT, MasterKey, SealBroken, seal, unseal

MASTER = MasterKey(b"k" * 32)


def _sealed(plain: bytes, part: int = 1) -> tuple[bytes, bytes]:
    key = MASTER.new_wrapped_key()
    return key, b"".join(
        seal([plain[i : i + 7000] for i in range(0, len(plain), 7000)], key, MASTER, part)
    )


def test_sealed_content_opens_to_the_same_bytes_whatever_the_chunking():
    plain = os.urandom(2 * SEGMENT + 123)
    key, sealed = _sealed(plain)

    opened = b"".join(
        unseal([sealed[i : i + 99_999] for i in range(0, len(sealed), 99_999)], key, MASTER, 1)
    )

    assert opened == plain


def test_an_empty_part_still_carries_its_end():
    key, sealed = _sealed(b"")

    assert b"".join(unseal([sealed], key, MASTER, 1)) == b""


def test_a_flipped_bit_is_caught():
    key, sealed = _sealed(os.urandom(SEGMENT + 10))
    broken = bytearray(sealed)
    broken[RECORD + 20] ^= 1

    with pytest.raises(SealBroken):
        b"".join(unseal([bytes(broken)], key, MASTER, 1))


def test_a_part_cut_after_a_whole_segment_is_caught():
    key, sealed = _sealed(os.urandom(2 * SEGMENT + 10))

    with pytest.raises(SealBroken):
        b"".join(unseal([sealed[:RECORD]], key, MASTER, 1))


def test_a_part_moved_to_another_place_does_not_open():
    key, sealed = _sealed(os.urandom(1000), part=2)

    with pytest.raises(SealBroken):
        b"".join(unseal([sealed], key, MASTER, 3))


def test_a_key_wrapped_by_another_master_key_does_not_open():
    key, sealed = _sealed(b"%PDF-1.7")

    with pytest.raises(SealBroken):
        b"".join(unseal([sealed], key, MasterKey(b"m" * 32), 1))


def test_a_download_link_holds_until_it_expires_and_not_after():
    key = MASTER.derive("download-links")
    now = datetime.now(UTC)
    grant = DownloadGrant("d-1", 2, "anna", "citizen", now + timedelta(seconds=300))
    token = sign_link(key, grant)

    assert read_link(key, token, now) == grant.__class__(
        "d-1", 2, "anna", "citizen", datetime.fromtimestamp(int(grant.expires_at.timestamp()), UTC)
    )
    with pytest.raises(LinkExpired):
        read_link(key, token, now + timedelta(seconds=301))
    with pytest.raises(InvalidLink):
        read_link(MASTER.derive("other"), token, now)
    with pytest.raises(InvalidLink):
        read_link(key, "not-a-token", now)
