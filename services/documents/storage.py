"""Where the documents service keeps its (already encrypted) blobs: a local folder or an S3 bucket.

Both backends store named, opaque objects. Writes stream from an iterable of chunks with flat
memory and become visible only when complete, so a reader never sees half an object.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, Protocol

READ_CHUNK = 1024 * 1024
TEMPORARY_DIR = ".tmp"

_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")


class BlobMissing(Exception):
    """There is no object of that name."""


class BlobStore(Protocol):
    """Named objects; a name is a relative path such as "blobs/<hex>/00001"."""

    def put(self, name: str, chunks: Iterable[bytes]) -> int:
        """Store `name` from lazily consumed chunks; visible only once complete; bytes written.

        If iterating the chunks raises, the error propagates and nothing is left behind.
        """

    def get(self, name: str) -> Iterator[bytes]:
        """The object's bytes in chunks of about 1 MiB; BlobMissing if there is none."""

    def size(self, name: str) -> int:
        """The object's length in bytes; BlobMissing if there is none."""

    def delete(self, name: str) -> None:
        """Remove the object if it exists."""

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object under prefix/; how many there were."""

    def names(self, prefix: str) -> list[str]:
        """The sorted names of the objects under prefix/."""

    def move_prefix(self, source: str, target: str) -> None:
        """Move every object under source/ to target/; FileExistsError if target/ is occupied."""

    def stray_temporaries(self) -> list[str]:
        """Leftovers of unfinished writes; normally none."""

    def sweep_temporaries(self, older_than_seconds: float) -> int:
        """Remove leftovers of unfinished writes older than that; how many."""


def check_name(name: str) -> str:
    """Refuse anything that is not a plain relative path, so no name can leave the store."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"invalid blob name {name!r}")
    segments = name.split("/")
    for segment in segments:
        if not _SEGMENT.fullmatch(segment) or segment in (".", ".."):
            raise ValueError(f"invalid blob name {name!r}")
    if segments[0] == TEMPORARY_DIR:
        raise ValueError(f"blob names may not start with {TEMPORARY_DIR}/: {name!r}")
    return name


def check_move(source: str, target: str) -> None:
    check_name(source)
    check_name(target)
    if source == target or target.startswith(source + "/"):
        raise ValueError(f"cannot move {source!r} into {target!r}")


class LocalStore:
    """Objects as files under a root folder; temporaries under root/.tmp on the same filesystem."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.temporaries = self.root / TEMPORARY_DIR
        self.temporaries.mkdir(parents=True, exist_ok=True)

    def put(self, name: str, chunks: Iterable[bytes]) -> int:
        path = self._path(name)
        fd, temporary = tempfile.mkstemp(dir=self.temporaries, prefix="put-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as file:
                written = _write_all(file, chunks)
                file.flush()
                os.fsync(file.fileno())
            self._place(temporary, path, os.replace)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _fsync_directory(path.parent)
        return written

    def get(self, name: str) -> Iterator[bytes]:
        try:
            file = self._path(name).open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobMissing(name) from None
        return _read_chunks(file)

    def size(self, name: str) -> int:
        path = self._path(name)
        try:
            if path.is_file():
                return path.stat().st_size
        except FileNotFoundError:
            pass
        raise BlobMissing(name)

    def delete(self, name: str) -> None:
        path = self._path(name)
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
            path.unlink()
            self._prune(path.parent)

    def delete_prefix(self, prefix: str) -> int:
        directory = self._path(prefix)
        # renaming first makes the whole prefix vanish at once for readers, and fixes the count
        trash = self.temporaries / f"delete-{uuid.uuid4().hex}"
        try:
            # the trailing slash makes rename refuse an object named exactly like the prefix
            os.rename(f"{directory}/", trash)
        except (FileNotFoundError, NotADirectoryError):
            return 0
        removed = sum(len(files) for _, _, files in os.walk(trash))
        shutil.rmtree(trash, ignore_errors=True)
        self._prune(directory.parent)
        return removed

    def names(self, prefix: str) -> list[str]:
        directory = self._path(prefix)
        found = []
        for folder, _, files in os.walk(directory):
            relative = Path(folder).relative_to(self.root).as_posix()
            found.extend(f"{relative}/{file}" for file in files)
        return sorted(found)

    def move_prefix(self, source: str, target: str) -> None:
        check_move(source, target)
        source_dir, target_dir = self._path(source), self._path(target)
        if self.names(target) or target_dir.is_file():
            raise FileExistsError(f"{target}/ already holds objects")
        if not source_dir.is_dir():
            return
        if target_dir.exists():
            _remove_empty_tree(target_dir)
        try:
            self._place(source_dir, target_dir, os.rename)
        except OSError as error:
            if error.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
                raise FileExistsError(f"{target}/ already holds objects") from error
            raise
        self._prune(source_dir.parent)

    def stray_temporaries(self) -> list[str]:
        return sorted(f"{TEMPORARY_DIR}/{entry.name}" for entry in self.temporaries.iterdir())

    def sweep_temporaries(self, older_than_seconds: float) -> int:
        cutoff = time.time() - older_than_seconds
        swept = 0
        for entry in self.temporaries.iterdir():
            try:
                if entry.lstat().st_mtime >= cutoff:
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
            except FileNotFoundError:
                continue
            swept += 1
        return swept

    def _path(self, name: str) -> Path:
        return self.root / check_name(name)

    def _place(self, source: str | Path, destination: Path, move) -> None:
        # a concurrent delete may prune the parent between makedirs and the move: try again
        for attempt in range(5):
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                move(source, destination)
                return
            except FileNotFoundError:
                if attempt == 4 or not os.path.lexists(source):
                    raise

    def _prune(self, directory: Path) -> None:
        """Remove empty folders upwards from `directory`, stopping at the root."""
        while directory != self.root and self.root in directory.parents:
            try:
                directory.rmdir()
            except OSError:
                return
            directory = directory.parent


def _write_all(file: BinaryIO, chunks: Iterable[bytes]) -> int:
    written = 0
    for chunk in chunks:
        file.write(chunk)
        written += len(chunk)
    return written


def _read_chunks(file: BinaryIO) -> Iterator[bytes]:
    with file:
        while chunk := file.read(READ_CHUNK):
            yield chunk


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable, not just the file's contents."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_empty_tree(directory: Path) -> None:
    for folder, _, _ in sorted(os.walk(directory), key=lambda entry: -len(entry[0])):
        os.rmdir(folder)
