"""The documents service's blob stores, each test run on a local folder and on a real S3 server."""

from __future__ import annotations

import hashlib
import os
import resource
import time
from collections.abc import Iterator

import pytest

from services.documents.s3_storage import S3Store
from services.documents.storage import BlobMissing, LocalStore

MiB = 1024 * 1024


class Boom(Exception):
    pass


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.server)])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStore(tmp_path / "blobs")
    return S3Store(**request.getfixturevalue("s3_bucket").store_arguments())


def read(store, name: str) -> bytes:
    return b"".join(store.get(name))


def random_pieces(total: int, piece: int, digest) -> Iterator[bytes]:
    """`total` random bytes in pieces of `piece`, fed to `digest` on the way."""
    for _ in range(total // piece):
        data = os.urandom(piece)
        digest.update(data)
        yield data


def failing_after(size: int) -> Iterator[bytes]:
    yield os.urandom(size)
    raise Boom("the upload broke off")


def test_an_object_put_in_several_chunks_reads_back_the_same(store):
    chunks = [b"first ", b"", b"second ", os.urandom(3 * MiB), b"last"]

    written = store.put("staging/upload-1/00001", iter(chunks))

    assert written == sum(len(chunk) for chunk in chunks)
    assert read(store, "staging/upload-1/00001") == b"".join(chunks)
    assert store.size("staging/upload-1/00001") == written
    assert max(len(chunk) for chunk in store.get("staging/upload-1/00001")) <= MiB


def test_an_empty_object_is_stored_and_read_back(store):
    assert store.put("blobs/empty/00001", []) == 0

    assert read(store, "blobs/empty/00001") == b""
    assert store.size("blobs/empty/00001") == 0


def test_a_20_mib_object_streamed_in_64_kib_pieces_reads_back_identical(store):
    written_digest, read_digest = hashlib.sha256(), hashlib.sha256()

    written = store.put("blobs/big/00001", random_pieces(20 * MiB, 64 * 1024, written_digest))
    for chunk in store.get("blobs/big/00001"):
        assert len(chunk) <= MiB
        read_digest.update(chunk)

    assert written == 20 * MiB
    assert store.size("blobs/big/00001") == 20 * MiB
    assert read_digest.hexdigest() == written_digest.hexdigest()
    assert store.stray_temporaries() == []


def test_putting_an_existing_name_replaces_the_object(store):
    store.put("blobs/abc/00001", [b"old contents, rather long"])

    store.put("blobs/abc/00001", [b"new"])

    assert read(store, "blobs/abc/00001") == b"new"
    assert store.size("blobs/abc/00001") == 3


@pytest.mark.parametrize("broken_after", [MiB, 12 * MiB], ids=["small", "multipart"])
def test_chunks_that_raise_halfway_leave_no_object_and_no_temporaries(store, broken_after):
    with pytest.raises(Boom):
        store.put("staging/upload-2/00001", failing_after(broken_after))

    with pytest.raises(BlobMissing):
        store.size("staging/upload-2/00001")
    assert store.names("staging") == []
    assert store.stray_temporaries() == []


def test_a_failed_put_keeps_the_object_it_would_have_replaced(store):
    store.put("blobs/abc/00001", [b"the original"])

    with pytest.raises(Boom):
        store.put("blobs/abc/00001", failing_after(12 * MiB))

    assert read(store, "blobs/abc/00001") == b"the original"
    assert store.stray_temporaries() == []


def test_a_missing_object_raises_blob_missing_and_deleting_it_is_harmless(store):
    with pytest.raises(BlobMissing):
        store.get("blobs/nothing/00001")
    with pytest.raises(BlobMissing):
        store.size("blobs/nothing/00001")

    store.delete("blobs/nothing/00001")


def test_a_deleted_object_is_gone(store):
    store.put("blobs/abc/00001", [b"x"])

    store.delete("blobs/abc/00001")

    with pytest.raises(BlobMissing):
        store.get("blobs/abc/00001")
    assert store.names("blobs") == []


def test_names_lists_only_what_lies_under_the_prefix_sorted(store):
    for name in ["up/b/00002", "up/a/00001", "up/b/00001", "upper/00001", "other/00001"]:
        store.put(name, [name.encode()])

    assert store.names("up") == ["up/a/00001", "up/b/00001", "up/b/00002"]
    assert store.names("up/b") == ["up/b/00001", "up/b/00002"]
    assert store.names("nothing") == []


def test_delete_prefix_removes_everything_under_it_and_counts(store):
    for name in ["staging/u1/00001", "staging/u1/00002", "staging/u1/x/00003", "staging/u10/1"]:
        store.put(name, [b"data"])

    assert store.delete_prefix("staging/u1") == 3

    assert store.names("staging") == ["staging/u10/1"]
    assert store.delete_prefix("staging/u1") == 0


def test_move_prefix_moves_every_object_keeping_the_rest_of_its_name(store):
    store.put("staging/u1/00001", [b"one"])
    store.put("staging/u1/sub/00002", [b"two"])

    store.move_prefix("staging/u1", "blobs/cafe")

    assert store.names("staging") == []
    assert store.names("blobs/cafe") == ["blobs/cafe/00001", "blobs/cafe/sub/00002"]
    assert read(store, "blobs/cafe/00001") == b"one"
    assert read(store, "blobs/cafe/sub/00002") == b"two"


def test_move_prefix_refuses_an_occupied_target_and_touches_neither(store):
    store.put("staging/u1/00001", [b"new"])
    store.put("blobs/cafe/00001", [b"existing"])

    with pytest.raises(FileExistsError):
        store.move_prefix("staging/u1", "blobs/cafe")

    assert read(store, "staging/u1/00001") == b"new"
    assert read(store, "blobs/cafe/00001") == b"existing"


@pytest.mark.parametrize(
    "name",
    ["../escape", "blobs/../../etc/passwd", "..", "/etc/passwd", "blobs//00001", "blobs/",
     "", "blobs/a b", "blobs/ü", "blobs/./00001", ".tmp/put-123.part"],
)  # fmt: skip
def test_names_that_could_leave_the_store_are_refused(store, name):
    with pytest.raises(ValueError):
        store.put(name, [b"x"])
    with pytest.raises(ValueError):
        store.get(name)
    with pytest.raises(ValueError):
        store.names(name)


def test_move_prefix_refuses_to_move_a_prefix_into_itself(store):
    store.put("staging/u1/00001", [b"x"])

    with pytest.raises(ValueError):
        store.move_prefix("staging/u1", "staging/u1/inner")


def test_old_temporaries_left_by_a_crash_are_swept(store):
    leave_a_stray_temporary(store)
    assert len(store.stray_temporaries()) == 1

    assert store.sweep_temporaries(older_than_seconds=3600) == 1

    assert store.stray_temporaries() == []


def leave_a_stray_temporary(store) -> None:
    """What a process killed in the middle of a put leaves behind."""
    if isinstance(store, LocalStore):
        stray = store.root / ".tmp" / "put-crashed.part"
        stray.write_bytes(b"half an object")
        two_hours_ago = time.time() - 7200
        os.utime(stray, (two_hours_ago, two_hours_ago))
    else:
        # moto reports every multipart upload as started in 2010, so this one is old enough
        store.client.create_multipart_upload(Bucket=store.bucket, Key="staging/u1/00001")


def test_a_fresh_temporary_is_not_swept(tmp_path):
    store = LocalStore(tmp_path)
    (tmp_path / ".tmp" / "put-running.part").write_bytes(b"still being written")

    assert store.sweep_temporaries(older_than_seconds=3600) == 0
    assert store.stray_temporaries() == [".tmp/put-running.part"]


def test_an_s3_store_with_a_prefix_keeps_its_objects_under_it(s3_bucket):
    store = S3Store(**s3_bucket.store_arguments(), prefix="tenant-a")

    store.put("blobs/abc/00001", [b"x"])

    assert store.names("blobs") == ["blobs/abc/00001"]
    listing = store.client.list_objects_v2(Bucket=s3_bucket.bucket)
    assert [item["Key"] for item in listing["Contents"]] == ["tenant-a/blobs/abc/00001"]


def test_an_s3_move_of_an_object_too_large_for_one_copy_copies_it_in_parts(s3_bucket):
    store = S3Store(**s3_bucket.store_arguments())
    store.COPY_LIMIT = 8 * MiB  # stands in for S3's 5 GiB limit of CopyObject
    store.COPY_PART_SIZE = 6 * MiB
    digest = hashlib.sha256()
    store.put("staging/u1/00001", random_pieces(20 * MiB, MiB, digest))

    store.move_prefix("staging/u1", "blobs/cafe")

    assert hashlib.sha256(read(store, "blobs/cafe/00001")).hexdigest() == digest.hexdigest()
    assert store.names("staging") == []
    assert store.stray_temporaries() == []


def test_a_local_put_of_512_mib_keeps_memory_flat(tmp_path):
    store = LocalStore(tmp_path)
    piece = b"\0" * MiB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux

    written = store.put("blobs/huge/00001", (piece for _ in range(512)))

    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert written == 512 * MiB
    assert store.size("blobs/huge/00001") == 512 * MiB
    assert grown_mib < 64
