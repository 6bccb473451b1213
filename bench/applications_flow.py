"""Applications: submitted through the gateway until the receipt e-mail is delivered, at 1,
10 and 50 citizens at once; the clerks' worklist at 100,000 cases.

Per database engine, in a fresh database, 100,000 cases of a year are seeded in bulk
(bench/applications_seed.py). On PostgreSQL, the production database, the platform then
runs as processes of its own (the launcher, one `--service` each): documents (a local store
in a temporary folder), applications, notifications (SMTP to a real server on loopback:
aiosmtpd, the tests' MailCatcher, a process of its own that writes each message to a file)
and the gateway (HTTP).

1. The worklist (bench/applications_worklist.py): each query over RPC as a clerk, and
   through the gateway (HTTP GET, `requests`, keep-alive); the database's share. On SQLite
   too, with the applications service alone.
2. Submit to receipt, PostgreSQL only: 50 citizens sign in (dev login) and upload the
   vehicle registration once each (start, one part, complete, through the gateway), named in
   each of their applications (the documents service files it into the first case only and
   logs `attachment_not_filed` for the others: less work than a fresh upload each). At each
   level, that many citizens submit parking-permit applications side by side (a `requests`
   session each, a fresh idempotency key each), one after another: each POST waits for its
   201, then for the receipt e-mail whose Subject names the case number. Timed from the
   POST until the message's file was written at the SMTP server (its mtime; the folder is
   looked at every 5 ms). One unmeasured submission per citizen first; then the level runs
   for --flow-seconds. Afterwards the moments the services wrote down (the case's
   submitted_at; the outbox row's published_at; the notifications message's created_at)
   split each submission into stages, and the CPU of each party is read from /proc. The
   applications service takes the notifications service's `notification_sent` events into
   each case's history, as in production.

OUTBOX_SWEEP_INTERVAL, NOTIFICATIONS_DISPATCH_INTERVAL and NOTIFICATIONS_BATCH_SIZE in the
environment are passed on to the services; BENCH_PROFILE=<folder> runs each service under
bench/sampled.py and leaves its profile there.

    python -m bench.applications_flow [--flow-seconds 15] [--worklist-calls 100]
                                      [--levels 1,10,50] [--no-postgres]
                                      [--no-applications-sqlite]
"""

from __future__ import annotations

import warnings

warnings.simplefilter("ignore")  # eventlet's deprecation notice, among others

import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything opens a socket

import argparse  # noqa: E402
import contextlib  # noqa: E402
import hashlib  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from email.parser import BytesParser  # noqa: E402
from email.policy import default as default_policy  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import requests  # noqa: E402
from eventlet.event import Event as GreenEvent  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench import applications_seed as seed  # noqa: E402
from bench import applications_worklist as worklist  # noqa: E402
from bench import databases  # noqa: E402
from bench.documents_upload import (  # noqa: E402
    _announcement,
    _environment,
    _expect,
    _ready,
    _side_by_side,
)
from bench.notifications_delivery import (  # noqa: E402
    _consumers,
    _Mark,
    environment,
)
from bench.processes import ServiceProcess, running  # noqa: E402
from bench.report import Latency, verdict  # noqa: E402
from bench.service_rpc import free_port  # noqa: E402
from bench.standalone import main_against_raw_rpc  # noqa: E402
from services.applications.models import CaseRow  # noqa: E402
from services.common.engine import create_service_engine  # noqa: E402
from services.common.migrations import upgrade  # noqa: E402
from services.common.settings import amqp_uri, derive_database_url  # noqa: E402
from services.common.tables import outbox  # noqa: E402
from services.notifications.models import MessageRow  # noqa: E402
from tests.support.smtp import MailCatcher  # noqa: E402

LEVELS = (1, 10, 50)
TARGET_LEVEL = 10
TARGET_MS = 300.0  # p99 submit to receipt at TARGET_LEVEL citizens (issue 19)
PREFIX = "/api/v1/applications"
SUBMIT = f"{PREFIX}/cases"
UPLOADS = "/api/v1/documents/uploads"
PLATFORM = ["documents", "applications", "notifications", "gateway"]
NOTIFIED = "evt-applications-#--notifications.on_applications_event"
PASSED_ON = ("OUTBOX_SWEEP_INTERVAL",)  # the notifications' own are passed on by its bench
RECEIPT_DEADLINE = 60.0  # seconds for one receipt
POLL = 0.005  # seconds between looks at the SMTP server's folder
HTTP_TIMEOUT = 60.0
CASE_NUMBER = re.compile(r"\b\d{4}-[A-Z]+-\d{6}\b")
ATTACHMENT = 20_000  # bytes of the vehicle registration, a PDF
STAGES = (
    ("POST -> case written (gateway, RPC, documents)", "started", "written"),
    ("-> event published (commit, relay, confirm)", "written", "published"),
    ("-> e-mail queued (broker, notifications intake)", "published", "queued"),
    ("-> in the mailbox (dispatch, render, SMTP)", "queued", "arrived"),
    ("(POST -> 201 answered)", "started", "answered"),
)
PARTIES = ("gateway", "applications", "documents", "notifications", "smtp server")


@dataclass(frozen=True)
class Submission:
    case_number: str
    started: float  # epoch seconds, as the services' timestamps
    answered: float
    arrived: float  # the receipt's file at the SMTP server


@dataclass(frozen=True)
class Level:
    citizens: int
    submissions: list[Submission]
    seconds: float  # from the first POST to the last receipt
    cpu: dict[str, float]  # per party, seconds during the level
    busy: float  # the machine's share of CPU in use

    @property
    def per_second(self) -> float:
        return len(self.submissions) / self.seconds

    @property
    def latency(self) -> Latency:
        return Latency.of([each.arrived - each.started for each in self.submissions])


@dataclass(frozen=True)
class Flow:
    levels: list[Level]
    stages: dict[int, dict[str, Latency]]  # citizens -> stage -> latency
    check: str


# the mailbox ----------------------------------------------------------------------------


class Mailbox:
    """The SMTP server's folder, looked at every POLL seconds: when the first message naming
    each case number was written (its mtime). Each file is read once and removed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.arrived: dict[str, float] = {}
        self.naming: Counter[str] = Counter()  # messages per case number
        self.others = 0
        self.waiting: dict[str, GreenEvent] = {}
        self.parser = BytesParser(policy=default_policy)

    def start(self) -> Mailbox:
        self.thread = eventlet.spawn(self._watch)
        return self

    def stop(self) -> None:
        self.thread.kill()

    def wait(self, case_number: str) -> float:
        if case_number in self.arrived:
            return self.arrived[case_number]
        arrival = self.waiting.setdefault(case_number, GreenEvent())
        with eventlet.Timeout(RECEIPT_DEADLINE, TimeoutError(f"no receipt for {case_number}")):
            return arrival.wait()

    def _watch(self) -> None:
        while True:
            self._collect()
            eventlet.sleep(POLL)

    def _collect(self) -> None:
        with os.scandir(self.folder) as entries:
            found = [entry for entry in entries if entry.name.endswith(".eml")]
        for entry in found:
            written = entry.stat().st_mtime
            with open(entry.path, "rb") as file:
                subject = str(self.parser.parse(file, headersonly=True)["Subject"] or "")
            os.unlink(entry.path)
            named = CASE_NUMBER.search(subject)
            if named is None:
                self.others += 1
                continue
            number = named.group(0)
            self.naming[number] += 1
            if number not in self.arrived:
                self.arrived[number] = written
                if number in self.waiting:
                    self.waiting.pop(number).send(written)


# the citizens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Citizen:
    session: requests.Session
    number: int
    document_id: str


def sign_in(
    base: str, subject: str, role: str, departments: tuple[str, ...] = ()
) -> requests.Session:
    """A `requests` session carrying a dev-login token for `subject`."""
    session = requests.Session()
    login = {
        "subject": subject,
        "role": role,
        **({"departments": departments} if departments else {}),
    }
    response = session.post(f"{base}/api/v1/auth/dev-login", json=login, timeout=HTTP_TIMEOUT)
    token = _expect(response.status_code, response.content, 200)["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    return session


def sign_up(base: str, number: int) -> Citizen:
    """A citizen signed in, with the vehicle registration uploaded through the gateway."""
    session = sign_in(base, f"bench-citizen-{number}", "citizen")
    content = b"%PDF-1.7\n" + random.Random(number).randbytes(ATTACHMENT)
    digest = hashlib.sha256(content).hexdigest()
    spec = _announcement("attachment", len(content), digest)
    upload = _call(session, "POST", f"{base}{UPLOADS}", 201, json=spec)["upload_id"]
    part = {"X-Content-SHA256": digest, "Content-Type": "application/octet-stream"}
    url = f"{base}{UPLOADS}/{upload}"
    _call(session, "PUT", f"{url}/parts/1", 200, data=content, headers=part)
    document = _call(session, "POST", f"{url}/complete", 201)
    return Citizen(session, number, document["document_id"])


def _call(session: requests.Session, method: str, url: str, status: int, **kwargs) -> Any:
    response = session.request(method, url, timeout=HTTP_TIMEOUT, **kwargs)
    return _expect(response.status_code, response.content, status)


def parking_application(citizen: Citizen) -> dict[str, Any]:
    """As tests/applications/conftest.py's, with the citizen's own address and a fresh key."""
    valid_from = (date.today() + timedelta(days=7)).isoformat()
    return {
        "application_type": "bewohnerparkausweis",
        "form": {**seed.FORMS["bewohnerparkausweis"], "valid_from": valid_from},
        "attachments": [{"document_id": citizen.document_id, "purpose": "vehicle_registration"}],
        "contact": {
            "name": f"Bench Citizen {citizen.number}",
            "email": f"citizen-{citizen.number}@bench.example",
        },
        "language": "de",
        "idempotency_key": str(uuid.uuid4()),
    }


def submit(base: str, mailbox: Mailbox, citizen: Citizen) -> Submission:
    """One application, from the POST until its receipt is in the mailbox."""
    started = time.time()
    case = _call(citizen.session, "POST", f"{base}{SUBMIT}", 201, json=parking_application(citizen))
    answered = time.time()
    return Submission(case["case_number"], started, answered, mailbox.wait(case["case_number"]))


def keep_submitting(
    citizen: Citizen, base: str, mailbox: Mailbox, until: float
) -> list[Submission]:
    submitted = [submit(base, mailbox, citizen)]
    while time.time() < until:
        submitted.append(submit(base, mailbox, citizen))
    return submitted


# the levels -----------------------------------------------------------------------------


def measure_level(
    base: str, mailbox: Mailbox, citizens: list[Citizen], seconds: float, parties: dict
) -> Level:
    _side_by_side(partial(submit, base, mailbox), citizens)  # one each, unmeasured
    began = _Mark.now(0, parties)
    first = time.time()
    shares = _side_by_side(
        partial(keep_submitting, base=base, mailbox=mailbox, until=first + seconds), citizens
    )
    ended = _Mark.now(0, parties)
    submissions = [each for share in shares for each in share]
    phase = ended.since(began)
    last = max(each.arrived for each in submissions)
    return Level(len(citizens), submissions, last - first, phase.cpu, phase.busy)


def stages(base_url: str, levels: list[Level]) -> dict[int, dict[str, Latency]]:
    """Each submission's moments as the services wrote them down, split into stages."""
    numbers = {each.case_number for level in levels for each in level.submissions}
    applications = create_service_engine(derive_database_url(base_url, "applications"))
    notifications = create_service_engine(derive_database_url(base_url, "notifications"))
    try:
        with applications.connect() as connection:
            written = dict(
                connection.execute(
                    select(CaseRow.number, CaseRow.submitted_at).where(CaseRow.number.in_(numbers))
                ).all()
            )
            events = connection.execute(
                select(outbox.c.message, outbox.c.published_at).where(
                    outbox.c.event_type == "application_submitted"
                )
            ).all()
        published = {
            row.message["payload"]["case_number"]: (row.message["event_id"], row.published_at)
            for row in events
        }
        with notifications.connect() as connection:
            queued = dict(
                connection.execute(
                    select(MessageRow.event_id, MessageRow.created_at).where(
                        MessageRow.channel == "email",
                        MessageRow.template == "application_received",
                    )
                ).all()
            )
    finally:
        applications.dispose()
        notifications.dispose()

    def moments(each: Submission) -> dict[str, float]:
        event_id, published_at = published[each.case_number]
        return {
            "started": each.started,
            "answered": each.answered,
            "written": written[each.case_number].timestamp(),
            "published": published_at.timestamp(),
            "queued": queued[event_id].timestamp(),
            "arrived": each.arrived,
        }

    split = {}
    for level in levels:
        seen = [moments(each) for each in level.submissions]
        split[level.citizens] = {
            label: Latency.of([moment[end] - moment[start] for moment in seen])
            for label, start, end in STAGES
        }
    return split


def check(levels: list[Level], mailbox: Mailbox) -> str:
    """Each submission answered with a case of its own and a receipt for it, once."""
    numbers = [each.case_number for level in levels for each in level.submissions]
    twice = sum(1 for number in numbers if mailbox.naming[number] > 1)
    state = "ok" if len(set(numbers)) == len(numbers) and twice == 0 else "WRONG"
    return (
        f"{len(numbers)} submissions measured, {len(set(numbers))} case numbers; "
        f"{len(mailbox.arrived)} receipts in all (warm-up too), {twice} case(s) mailed twice, "
        f"{mailbox.others} other messages: {state}"
    )


# the platform ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Platform:
    base: str  # the gateway
    processes: dict[str, ServiceProcess]
    mailbox: Mailbox
    smtp_pid: int


def platform_environment(uri: str, base_url: str, root: Path, ports: dict[str, int]) -> dict:
    """The documents bench's settings (store, data plane, gateway, dev login) and the
    notifications bench's (SMTP), on the run's database."""
    env = _environment(uri, root, ports["gateway"], ports["data"])
    env |= environment(uri, base_url, ports["smtp"])
    return env | {name: os.environ[name] for name in PASSED_ON if name in os.environ}


@contextlib.contextmanager
def platform(uri: str, base_url: str, services: list[str]) -> Iterator[Platform]:
    """The services as processes, started and ready; an SMTP server and its mailbox."""
    with tempfile.TemporaryDirectory(prefix="rathaus-bench-applications-") as folder:
        root = Path(folder)
        ports = _free_ports("gateway", "data", "smtp")
        catcher = MailCatcher(ports["smtp"], root / "mail").start()
        mailbox = Mailbox(root / "mail").start()
        base = f"http://127.0.0.1:{ports['gateway']}"
        env = platform_environment(uri, base_url, root, ports)
        ready = partial(_platform_ready, uri, services, base, f"127.0.0.1:{ports['data']}")
        try:
            with running(services, env, root, ready) as processes:
                yield Platform(base, processes, mailbox, catcher.process.pid)
        finally:
            mailbox.stop()
            catcher.stop()


def _free_ports(*names: str) -> dict[str, int]:
    ports: dict[str, int] = {}
    while len(set(ports.values())) < len(names):
        ports = {name: free_port() for name in names}
    return ports


def _platform_ready(uri: str, services: list[str], base: str, data_address: str) -> bool:
    """Each service of `services` takes its work: RPC, HTTP, the applications' events."""
    if _consumers(uri, "rpc-applications") < 1:
        return False
    if "gateway" in services and not _ready(base, data_address):
        return False
    return "notifications" not in services or _consumers(uri, NOTIFIED) >= 1


def seeded_database(base_url: str, rows: list[dict[str, Any]], now: datetime) -> seed.Seeded:
    url = derive_database_url(base_url, "applications")
    upgrade("applications", url)
    return seed.seed_cases(url, rows, now)


def measure_flow(
    place: Platform, base_url: str, seconds: float, counts: tuple[int, ...] = LEVELS
) -> Flow:
    citizens = [sign_up(place.base, number) for number in range(max(counts))]
    parties = {name: [process] for name, process in place.processes.items()}
    parties["smtp server"] = [place.smtp_pid]
    try:
        levels = [
            measure_level(place.base, place.mailbox, citizens[:count], seconds, parties)
            for count in counts
        ]
    finally:
        for citizen in citizens:
            citizen.session.close()
    return Flow(levels, stages(base_url, levels), check(levels, place.mailbox))


def worklist_over_http(base: str) -> worklist.Ask:
    session = sign_in(base, worklist.CLERK_SUBJECT, "clerk", worklist.CLERK_DEPARTMENTS)

    def ask(query: dict[str, Any]) -> dict[str, Any]:
        params = {
            name: str(value).lower() if isinstance(value, bool) else value
            for name, value in query.items()
        }
        return _call(session, "GET", f"{base}{PREFIX}/worklist", 200, params=params)

    return ask


# running and printing -------------------------------------------------------------------


def measure(
    uri: str,
    pg_problem: str | None,
    sqlite: bool,
    seconds: float,
    calls: int,
    counts: tuple[int, ...] = LEVELS,
) -> tuple[dict[str, seed.Seeded], list[worklist.Pages], Flow | None]:
    """The worklist per engine (seeded: engine -> how); submit to receipt on PostgreSQL."""
    now = datetime.now(UTC)
    rows = seed.plan(seed.CASES, now, random.Random(11))
    seeded: dict[str, seed.Seeded] = {}
    pages, flow = [], None
    if pg_problem is None:
        with databases.postgres_base_url(databases.postgres_server_url()) as base_url:
            seeded["PostgreSQL"] = seeded_database(base_url, rows, now)
            with platform(uri, base_url, PLATFORM) as place:
                url = derive_database_url(base_url, "applications")
                http = worklist_over_http(place.base)
                pages.append(worklist.measure("PostgreSQL", url, calls, http))
                flow = measure_flow(place, base_url, seconds, counts)
    if sqlite:
        with databases.sqlite_base_url() as base_url:
            seeded["SQLite"] = seeded_database(base_url, rows, now)
            with platform(uri, base_url, ["applications"]):
                url = derive_database_url(base_url, "applications")
                pages.append(worklist.measure("SQLite", url, calls))
    return seeded, pages, flow


def run(args: argparse.Namespace, pg_problem: str | None, raw: Latency) -> bool:
    """Measure on the broker of the run's configuration, print, say if targets were met."""
    began = time.monotonic()
    seeded, pages, flow = measure(
        amqp_uri(),
        pg_problem,
        not args.no_applications_sqlite,
        args.flow_seconds,
        args.worklist_calls,
        tuple(int(count) for count in args.levels.split(",")),
    )
    passed = True
    if seeded:
        first = next(iter(seeded.values()))
        took = ", ".join(f"{engine} {each.seconds:.0f} s" for engine, each in seeded.items())
        described = (
            f"{first.cases:,} cases over a year ({first.open:,} open, {first.overdue:,} "
            f"overdue), seeded in bulk: {took}"
        )
        passed = worklist.print_report(pages, raw, described)
    if flow is not None:
        passed = print_flow(flow, raw) and passed
    if pg_problem is not None:
        print(f"PostgreSQL skipped (and with it submit to receipt): {pg_problem}")
    print(f"applications bench: {time.monotonic() - began:.0f} s")
    return passed


def print_flow(flow: Flow, raw: Latency) -> bool:
    print(
        "\nSubmit to receipt, PostgreSQL: parking permits through the gateway until the receipt "
        "e-mail is at\nthe SMTP server; each citizen one application after another"
    )
    print(
        f"{'citizens at once':<44} {'apps':>5} {'per s':>6} {'median':>9} {'p99':>9} "
        f"{'x raw':>7} {'busy':>5}"
    )
    print(
        f"{'raw AMQP request/reply (kombu, same process)':<44} {raw.count:>5} {'':>6} "
        f"{raw.median_ms:>7.3f}ms {raw.p99_ms:>7.3f}ms {1:>6.0f}x"
    )
    for level in flow.levels:
        latency = level.latency
        print(
            f"{level.citizens:<44} {len(level.submissions):>5} {level.per_second:>6.1f} "
            f"{latency.median_ms:>7.0f}ms {latency.p99_ms:>7.0f}ms "
            f"{latency.median_ms / raw.median_ms:>6.0f}x {level.busy:>5.0%}"
        )
    print(f"busy: the machine's CPU in use, all {os.cpu_count()} cores; {flow.check}")

    header = "".join(f"{f'{level.citizens} citizens':>18}" for level in flow.levels)
    print(f"\n{'Where the time goes, median / p99 ms':<50}{header}")
    for label, _, _ in STAGES:
        cells = "".join(
            f"{f'{split[label].median_ms:.0f} / {split[label].p99_ms:.0f}':>18}"
            for split in flow.stages.values()
        )
        print(f"{label:<50}{cells}")
    print(
        "moments: the case's submitted_at, the outbox row's published_at, the notifications "
        "message's created_at,\nthe receipt file's mtime; p99s of stages do not add up"
    )
    print(f"\n{'CPU ms per application':<50}" + "".join(f"{party[:12]:>13}" for party in PARTIES))
    for level in flow.levels:
        count = len(level.submissions)
        cells = "".join(f"{1000 * level.cpu[party] / count:>13.1f}" for party in PARTIES)
        print(f"{f'{level.citizens} citizens':<50}{cells}")
    others = ("postgres", "rabbitmq", "bench", "others")
    for level in flow.levels:
        count = len(level.submissions)
        shares = ", ".join(f"{name} {1000 * level.cpu[name] / count:.1f}" for name in others)
        print(f"  {level.citizens} citizens, besides: {shares}")

    target = next((level for level in flow.levels if level.citizens == TARGET_LEVEL), None)
    if target is None:
        print(f"target: not measured (--levels without {TARGET_LEVEL}) MISS")
        return False
    passed = target.latency.p99_ms < TARGET_MS and "WRONG" not in flow.check
    print(
        f"target: p99 submit to receipt < {TARGET_MS:g} ms at {TARGET_LEVEL} citizens: "
        f"{target.latency.p99_ms:.0f} ms {verdict(passed)}"
    )
    if not passed:
        _room(target)
    return passed


def _room(level: Level) -> None:
    """What the cores allow at the level's CPU cost: citizens who submit back to back wait,
    on average, their number over the submissions per second (Little's law), and the
    cores finish no more per second than they have CPU for."""
    cores = os.cpu_count() or 1
    count = len(level.submissions)
    spent = sum(seconds for party, seconds in level.cpu.items() if party != "others")
    per_application = 1000 * spent / count
    ceiling = 1000 * cores / per_application
    needed = TARGET_MS * cores / level.citizens
    print(
        f"  room: {per_application:.0f} ms of CPU per application on the machine (every party, "
        f"the bench's own among them);\n  {cores} cores finish at most {ceiling:.1f} a second, "
        f"so {level.citizens} citizens back to back wait {level.citizens / ceiling * 1000:.0f} "
        f"ms on average at least;\n  an average under {TARGET_MS:g} ms needs at most "
        f"{needed:.0f} ms of CPU per application, {per_application / needed:.1f}x less"
    )


# on its own ---------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--flow-seconds", type=float, default=15.0, help="per level of citizens at once"
    )
    parser.add_argument("--worklist-calls", type=int, default=100, help="per worklist query")
    parser.add_argument(
        "--levels",
        default=",".join(str(count) for count in LEVELS),
        help="citizens at once, one level after another (comma-separated)",
    )
    parser.add_argument(
        "--no-applications-sqlite", action="store_true", help="the worklist on PostgreSQL only"
    )


def main(argv: list[str] | None = None) -> int:
    return main_against_raw_rpc(
        argv, "python -m bench.applications_flow", __doc__, add_arguments, run
    )


if __name__ == "__main__":
    sys.exit(main())
