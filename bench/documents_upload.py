"""Documents: a 1 GiB upload through the gateway against a file copy, and 1,000 small uploads.

The documents service and the gateway run as processes of their own (the launcher, one
`--service` each), on a throwaway SQLite database and a local store in a temporary folder;
the copy and the source file live in the same folder, on the same disk.

1. A 1 GiB PDF (random bytes behind "%PDF-") is copied (shutil.copyfile, then fsync: the
   store syncs what it writes too) and uploaded as a single part, streamed from the file
   with http.client. Timed: the PUT and the complete. The peak resident memory (VmHWM) of
   both processes is read before and after.
2. Small uploads of 200 KiB, each of its own content (identical content is stored once),
   each = start + one part + complete, a few at a time (green threads, a `requests`
   session each), after one unmeasured upload per session.

    python -m bench.documents_upload [--uploads 1000] [--upload-concurrency 8]
"""

from __future__ import annotations

import warnings

warnings.simplefilter("ignore")  # eventlet's deprecation notice, among others

import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything opens a socket

import argparse  # noqa: E402
import hashlib  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import requests  # noqa: E402
from nameko import config  # noqa: E402

from bench import raw_rpc  # noqa: E402
from bench.broker import throwaway_vhost, unreachable  # noqa: E402
from bench.processes import ServiceProcess, cpu_seconds, listening, running  # noqa: E402
from bench.report import Latency, Throughput, rpc_table, verdict  # noqa: E402
from bench.service_rpc import free_port  # noqa: E402
from services.common.settings import DEFAULT_AMQP_URI, amqp_uri  # noqa: E402

MIB = 1024 * 1024
BIG_BYTES = 1024 * MIB
SMALL_BYTES = 200 * 1024
PDF_HEAD = b"%PDF-1.7\n"
COPY_TARGET = 0.30  # the upload at least this share of the copy's throughput
RSS_TARGET = 128 * MIB  # the documents service's peak resident memory below this
DOCUMENTS = "/api/v1/documents"
UPLOADS = f"{DOCUMENTS}/uploads"
HTTP_TIMEOUT = 600.0
BINARY = {"Content-Type": "application/octet-stream"}


@dataclass(frozen=True)
class BigUpload:
    copy_seconds: float  # shutil.copyfile: into the page cache
    sync_seconds: float  # the fsync of the copy after it
    put_seconds: float
    upload_seconds: float  # the PUT and the complete
    cpu_seconds: dict[str, float]  # per process, during the PUT and the complete

    @property
    def copy_rate(self) -> float:
        return BIG_BYTES / (self.copy_seconds + self.sync_seconds) / 1e6

    @property
    def upload_rate(self) -> float:
        return BIG_BYTES / self.upload_seconds / 1e6


@dataclass(frozen=True)
class Memory:
    """One process's resident memory, bytes: VmRSS once started, VmHWM (the peak) later."""

    started: int
    peak_started: int
    peak_after_big: int
    peak_after_small: int


@dataclass(frozen=True)
class SmallUploads:
    run: Throughput  # one event = one document
    start: Latency
    part: Latency
    complete: Latency


# measuring ----------------------------------------------------------------------------


def measure(
    broker_uri: str, uploads: int, concurrency: int
) -> tuple[BigUpload, SmallUploads, dict[str, Memory]]:
    with tempfile.TemporaryDirectory(prefix="rathaus-bench-documents-") as folder:
        root = Path(folder)
        source = root / "source.pdf"
        digest = _write_source(source, BIG_BYTES)
        copy_seconds, sync_seconds = _copy(source, root / "copy.pdf")
        gateway, data = free_port(), free_port()
        while data == gateway:
            data = free_port()
        base = f"http://127.0.0.1:{gateway}"
        env = _environment(broker_uri, root, gateway, data)
        ready = partial(_ready, base, f"127.0.0.1:{data}")
        with running(["documents", "gateway"], env, root, ready) as processes:
            token = _sign_in(base)
            started = {name: process.rss() for name, process in processes.items()}
            peak_started = _peaks(processes)
            cpu_before = _cpu(processes)
            put_seconds, upload_seconds = _upload_big(gateway, token, source, digest)
            cpu = {name: seconds - cpu_before[name] for name, seconds in _cpu(processes).items()}
            peak_after_big = _peaks(processes)
            small = _upload_small(base, token, uploads, concurrency)
            peak_after_small = _peaks(processes)
    memory = {
        name: Memory(started[name], peak_started[name], peak_after_big[name], peak)
        for name, peak in peak_after_small.items()
    }
    big = BigUpload(copy_seconds, sync_seconds, put_seconds, upload_seconds, cpu)
    return big, small, memory


def _peaks(processes: dict[str, ServiceProcess]) -> dict[str, int]:
    return {name: process.peak_rss() for name, process in processes.items()}


def _cpu(processes: dict[str, ServiceProcess]) -> dict[str, float]:
    """CPU seconds used so far by each service and by this process, the client."""
    used = {name: process.cpu_seconds() for name, process in processes.items()}
    return used | {"bench client": cpu_seconds(os.getpid())}


def _environment(broker_uri: str, root: Path, gateway: int, data: int) -> dict[str, str]:
    return {
        "AMQP_URI": broker_uri,
        "DATABASE_URL": f"sqlite:///{root}/r.db",
        "DOCUMENTS_STORAGE": "local",
        "DOCUMENTS_STORAGE_PATH": str(root / "docs"),
        "DOCUMENTS_SCANNER": "",
        "DEMO_DATA": "false",
        "METRICS_ADDRESS": "",
        "GATEWAY_ADDRESS": f"127.0.0.1:{gateway}",
        "DOCUMENTS_DATA_ADDRESS": f"127.0.0.1:{data}",
        "DOCUMENTS_URL": f"http://127.0.0.1:{data}",
        "AUTH_DEV_LOGIN": "true",
        "LOG_LEVEL": "WARNING",  # as the other benches log
    }


def _ready(base: str, data_address: str) -> bool:
    """The data plane listens, and the gateway answers with the documents service's help."""
    if not listening(data_address):
        return False
    try:
        return requests.get(f"{base}{DOCUMENTS}/types", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _write_source(path: Path, size: int) -> str:
    """A PDF of random bytes, synced to disk; its SHA-256."""
    digest = hashlib.sha256()
    with path.open("wb") as file:
        written = 0
        while written < size:
            chunk = (PDF_HEAD if written == 0 else b"") + os.urandom(MIB)
            chunk = chunk[: size - written]
            file.write(chunk)
            digest.update(chunk)
            written += len(chunk)
        file.flush()
        os.fsync(file.fileno())
    return digest.hexdigest()


def _copy(source: Path, target: Path) -> tuple[float, float]:
    """Seconds to copy the file, and to sync the copy to disk after."""
    started = time.perf_counter()
    shutil.copyfile(source, target)
    copied = time.perf_counter()
    with target.open("rb") as file:
        os.fsync(file.fileno())
    synced = time.perf_counter()
    target.unlink()
    return copied - started, synced - copied


def _sign_in(base: str) -> str:
    login = {"subject": "bench-citizen", "role": "citizen"}
    response = requests.post(f"{base}/api/v1/auth/dev-login", json=login, timeout=10)
    return _expect(response.status_code, response.content, 200)["access_token"]


def _upload_big(port: int, token: str, source: Path, digest: str) -> tuple[float, float]:
    """Seconds of the PUT, and of the PUT and the complete: one part streamed from disk."""
    size = source.stat().st_size
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT, blocksize=MIB)
    auth = {"Authorization": f"Bearer {token}"}
    try:
        spec = _announcement("plan", size, digest) | {"part_size": size}
        announcement = {**auth, "Content-Type": "application/json"}
        session = _call(connection, "POST", UPLOADS, 201, announcement, json.dumps(spec))
        upload = f"{UPLOADS}/{session['upload_id']}"
        started = time.perf_counter()
        with source.open("rb") as body:
            part = {**auth, "Content-Length": str(size), "X-Content-SHA256": digest}
            _call(connection, "PUT", f"{upload}/parts/1", 200, part | BINARY, body)
        put = time.perf_counter()
        document = _call(connection, "POST", f"{upload}/complete", 201, auth)
        finished = time.perf_counter()
    finally:
        connection.close()
    _check_stored(document, size, digest)
    return put - started, finished - started


def _call(connection, method: str, path: str, status: int, headers: dict[str, str], body=None):
    connection.request(method, path, body=body, headers=headers)
    answer = connection.getresponse()
    return _expect(answer.status, answer.read(), status)


def _upload_small(base: str, token: str, uploads: int, concurrency: int) -> SmallUploads:
    filler = os.urandom(SMALL_BYTES - len(PDF_HEAD) - 16)
    sessions = [_session(token) for _ in range(concurrency)]
    upload_share = partial(_upload_share, base=base, filler=filler)
    try:
        _side_by_side(upload_share, sessions, [1] * concurrency)  # warm-up
        began = time.perf_counter()
        shares = [len(range(index, uploads, concurrency)) for index in range(concurrency)]
        timings = [
            timing for share in _side_by_side(upload_share, sessions, shares) for timing in share
        ]
        seconds = time.perf_counter() - began
    finally:
        for session in sessions:
            session.close()
    whole = Latency.of([sum(timing) for timing in timings])
    start, part, complete = (Latency.of(list(step)) for step in zip(*timings, strict=True))
    return SmallUploads(Throughput(len(timings), seconds, whole, None), start, part, complete)


def _side_by_side(function, *arguments: list) -> list:
    """`function` on each set of arguments in a green thread of its own; all the answers.
    Should one fail (or the bench be interrupted), the others are ended too."""
    threads = [eventlet.spawn(function, *each) for each in zip(*arguments, strict=True)]
    try:
        return [thread.wait() for thread in threads]
    finally:
        for thread in threads:
            thread.kill()


def _upload_share(
    session: requests.Session, count: int, base: str, filler: bytes
) -> list[tuple[float, ...]]:
    return [_upload_one(session, base, filler) for _ in range(count)]


def _session(token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def _upload_one(session: requests.Session, base: str, filler: bytes) -> tuple[float, ...]:
    """One document of its own content: seconds of the start, the part and the complete."""
    content = PDF_HEAD + uuid.uuid4().bytes + filler
    digest = hashlib.sha256(content).hexdigest()
    started = time.perf_counter()
    response = session.post(
        f"{base}{UPLOADS}",
        json=_announcement("attachment", len(content), digest),
        timeout=HTTP_TIMEOUT,
    )
    upload = f"{base}{UPLOADS}/{_expect(response.status_code, response.content, 201)['upload_id']}"
    announced = time.perf_counter()
    response = session.put(
        f"{upload}/parts/1",
        data=content,
        headers={"X-Content-SHA256": digest, **BINARY},
        timeout=HTTP_TIMEOUT,
    )
    _expect(response.status_code, response.content, 200)
    sent = time.perf_counter()
    response = session.post(f"{upload}/complete", timeout=HTTP_TIMEOUT)
    document = _expect(response.status_code, response.content, 201)
    finished = time.perf_counter()
    _check_stored(document, len(content), digest)
    return announced - started, sent - announced, finished - sent


def _announcement(document_type: str, size: int, digest: str) -> dict[str, Any]:
    return {
        "document_type": document_type,
        "title": f"Bench {document_type}",
        "media_type": "application/pdf",
        "size": size,
        "sha256": digest,
    }


def _expect(status: int, body: bytes, wanted: int) -> dict[str, Any]:
    if status != wanted:
        raise RuntimeError(f"expected {wanted}, got {status}: {body[:500]!r}")
    return json.loads(body)


def _check_stored(document: dict[str, Any], size: int, digest: str) -> None:
    version = document["versions"][-1]
    if (version["size"], version["sha256"]) != (size, digest):
        raise RuntimeError(f"stored {version['size']} bytes, {version['sha256']}; sent {size}")


# running and printing ---------------------------------------------------------------


def run(args: argparse.Namespace, raw: Latency) -> bool:
    """Measure on the broker of the run's configuration, print, say if targets were met."""
    began = time.monotonic()
    big, small, memory = measure(amqp_uri(), args.uploads, args.upload_concurrency)
    print_report(big, small, memory, raw, args.upload_concurrency)
    print(f"documents bench: {time.monotonic() - began:.0f} s")
    return _fast_enough(big) and _small_enough(memory["documents"])


def _fast_enough(big: BigUpload) -> bool:
    return big.upload_rate >= COPY_TARGET * big.copy_rate


def _small_enough(documents: Memory) -> bool:
    return documents.peak_after_big < RSS_TARGET


def print_report(
    big: BigUpload,
    small: SmallUploads,
    memory: dict[str, Memory],
    raw: Latency,
    concurrency: int,
) -> None:
    print(
        f"\nDocuments: {BIG_BYTES // MIB:,} MiB through the gateway into the local store "
        "(documents and gateway as processes of their own)"
    )
    copy_seconds = big.copy_seconds + big.sync_seconds
    rows = [
        ("file copy, same disk: shutil.copyfile + fsync", copy_seconds, big.copy_rate),
        ("  of which shutil.copyfile (into the page cache)", big.copy_seconds, None),
        ("upload: PUT of 1 part + complete, via the gateway", big.upload_seconds, None),
        ("  of which the PUT", big.put_seconds, None),
    ]
    print(f"{'':<58} {'seconds':>8} {'MB/s':>7}")
    for label, seconds, rate in rows:
        rate = BIG_BYTES / seconds / 1e6 if rate is None else rate
        print(f"{label:<58} {seconds:>8.2f} {rate:>7.0f}")
    cpu = ", ".join(f"{name} {seconds:.1f}" for name, seconds in big.cpu_seconds.items())
    print(f"CPU seconds during the upload: {cpu} ({os.cpu_count()} cores)")
    print(_memory_table(memory))
    share = big.upload_rate / big.copy_rate
    print(
        f"target: upload at least {COPY_TARGET:.0%} of the copy's throughput: "
        f"{big.upload_rate:.0f} / {big.copy_rate:.0f} MB/s = {share:.0%} "
        f"{verdict(_fast_enough(big))}"
    )
    print(
        f"target: documents service's peak RSS (VmHWM) through the {BIG_BYTES // MIB:,} MiB "
        f"upload under {RSS_TARGET // MIB} MiB: {memory['documents'].peak_after_big / MIB:.0f} "
        f"MiB {verdict(_small_enough(memory['documents']))}\n"
    )
    rows = [
        ("raw AMQP request/reply (kombu, same process)", raw),
        ("one document: start + 1 part + complete", small.run.latency),
        ("  start (JSON -> gateway -> RPC)", small.start),
        ("  part (200 KiB -> gateway -> data plane)", small.part),
        ("  complete (gateway -> data plane)", small.complete),
    ]
    title = f"Small uploads, {SMALL_BYTES // 1024} KiB, {concurrency} at a time"
    print(rpc_table(rows, raw, title=title))
    print(
        f"{small.run.events:,} documents in {small.run.seconds:.1f} s: "
        f"{small.run.per_second:.0f} documents/s "
        f"({small.run.per_second * SMALL_BYTES / 1e6:.1f} MB/s); each of its own content, "
        f"after {concurrency} unmeasured"
    )


def _memory_table(memory: dict[str, Memory]) -> str:
    lines = [
        f"{'Resident memory, MiB':<28} {'started':>8} {'peak then':>10} "
        f"{'peak after 1 GiB':>17} {'peak after small':>17}"
    ]
    for name, figures in memory.items():
        lines.append(
            f"{name + ' process':<28} {figures.started / MIB:>8.0f} "
            f"{figures.peak_started / MIB:>10.0f} {figures.peak_after_big / MIB:>17.0f} "
            f"{figures.peak_after_small / MIB:>17.0f}"
        )
    return "\n".join(lines)


# on its own ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.documents_upload", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--uploads", type=int, default=1000, help="small uploads")
    parser.add_argument("--upload-concurrency", type=int, default=8)
    parser.add_argument("--rpc-calls", type=int, default=2000, help="for the raw baseline")
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if unreachable(args.amqp_uri):
        return 1
    with throwaway_vhost(args.amqp_uri) as vhost_uri, config.patch({"AMQP_URI": vhost_uri}):
        print(f"broker: {vhost_uri.rsplit('@', 1)[-1]} (throwaway vhost)", flush=True)
        met = run(args, raw_rpc.measure(vhost_uri, args.rpc_calls))
    print(f"\nall targets met: {'yes' if met else 'no'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
