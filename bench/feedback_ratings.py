"""Ratings through events: visits completed -> invitations to rate -> ratings, per second.

The feedback service and the gateway run as processes (bench/feedback_map.py starts them);
a queue of the bench's own on the feedback exchange, taken by kombu in this process,
counts the service's events as they arrive.

1. Invitations: N `appointments.appointment_completed` events (each with an address of its
   own) are published as the appointments outbox relay publishes (confirmed batches of
   200), timed from the first publish until N `feedback.rating_invited` arrived.
2. Ratings: each invitation rated with the token of its `rate_url` through the gateway
   (`POST /api/v1/feedback/ratings`, no sign-in, `requests` sessions with keep-alive,
   several at once), timed from the first POST until N `feedback.feedback_rating_received`
   arrived.

The raw base: N events published the same way (confirmed batches of 200) and taken by a
kombu consumer with an ack each (bench/raw_events.py), in the same run; publishing with a
confirm each is shown for reference.
"""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import eventlet
import requests
from eventlet.event import Event as GreenEvent
from kombu import Connection, Consumer, Queue
from nameko.standalone.events import get_event_exchange
from sqlalchemy import func, select

from bench import raw_events
from bench.notifications_delivery import HOOKED, Phase, _Mark, make_events, publish
from bench.processes import ServiceProcess
from bench.report import Latency, Throughput
from services.common.engine import create_service_engine
from services.feedback.models import InvitationRow, RatingRow

RATINGS = "/api/v1/feedback/ratings"
INVITED, RATED = "rating_invited", "feedback_rating_received"
PREFETCH = 10  # nameko's default, as bench/raw_events.py takes them
DEADLINE = 120.0  # seconds for the last event of a run
POLL = 0.02  # seconds between looks at the counts
HTTP_TIMEOUT = 30.0
PARTIES = ("feedback", "gateway", "postgres", "rabbitmq", "bench", "others")
CPU_NOTE = (
    "CPU from /proc; postgres and rabbitmq: all their processes, whoever they serve; others: "
    "the rest\nof the machine (another user's tests, say)"
)


class Listener:
    """The bench's queue on the feedback exchange: when each event of each type arrived,
    the event ids seen, and the rating links."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.arrived: dict[str, list[float]] = {INVITED: [], RATED: []}
        self.ids: Counter[str] = Counter()
        self.links: list[str] = []
        self.queue = Queue(
            f"bench.feedback.events.{uuid.uuid4().hex[:8]}",
            exchange=get_event_exchange("feedback"),
            routing_key="#",
            durable=True,
            auto_delete=True,
        )

    def start(self) -> Listener:
        ready = GreenEvent()
        self.thread = eventlet.spawn(self._consume, ready)
        ready.wait()
        return self

    def stop(self) -> None:
        self.thread.kill()

    def count(self, event_type: str) -> int:
        return len(self.arrived[event_type])

    def last(self, event_type: str) -> float:
        return max(self.arrived[event_type])

    def wait_for(self, event_type: str, count: int, processes: list[ServiceProcess]) -> None:
        deadline = time.perf_counter() + DEADLINE
        while self.count(event_type) < count:
            if time.perf_counter() > deadline:
                raise RuntimeError(
                    f"{self.count(event_type)} of {count} {event_type} after {DEADLINE:g} s:\n"
                    + "\n".join(process.tail() for process in processes)
                )
            for process in processes:
                process.check_running()
            eventlet.sleep(POLL)

    def _consume(self, ready: GreenEvent) -> None:
        with Connection(self.uri) as connection:
            channel = connection.channel()
            channel.basic_qos(0, PREFETCH, False)

            def on_message(body, message) -> None:
                message.ack()
                event_type = body.get("type")
                if event_type not in self.arrived:
                    return
                self.arrived[event_type].append(time.perf_counter())
                self.ids[body["event_id"]] += 1
                if event_type == INVITED:
                    self.links.append(body["payload"]["rate_url"])

            with Consumer(channel, [self.queue], callbacks=[on_message], accept=["json"]):
                ready.send(True)
                while True:
                    connection.drain_events()


@dataclass(frozen=True)
class Ingest:
    label: str
    events: int
    seconds: float  # from the first publish (or POST) to the last event's arrival
    cost: Phase
    latency: Latency | None = None  # of each POST, where there are any

    @property
    def per_second(self) -> float:
        return self.events / self.seconds


@dataclass(frozen=True)
class Ratings:
    raw: Throughput
    raw_each: Throughput
    runs: list[Ingest]
    concurrency: int
    check: str


def measure(
    uri: str,
    url: str,
    base: str,
    count: int,
    concurrency: int,
    processes: dict[str, ServiceProcess],
) -> Ratings:
    """`count` visits invited and rated; `url` the feedback database, `base` the gateway."""
    raw = raw_events.measure_batched(uri, count)
    raw_each = raw_events.measure(uri, count, 1, 0.0)  # one paced event: the least it takes
    parties = {name: [process] for name, process in processes.items()}
    running = list(processes.values())
    listener = Listener(uri).start()
    try:
        began = _Mark.now(0, parties)
        publisher = eventlet.spawn(publish, uri, make_events(HOOKED, count))
        listener.wait_for(INVITED, count, running)
        publisher.wait()
        spent = _Mark.now(count, parties).since(began)
        label = f"{HOOKED} -> {INVITED}"
        runs = [Ingest(label, count, listener.last(INVITED) - began.at, spent)]

        ratings = _ratings(listener.links[:count])
        began = _Mark.now(0, parties)
        rater = eventlet.spawn(_rate_all, base, ratings, concurrency)
        listener.wait_for(RATED, count, running)
        latency = Latency.of(rater.wait())
        spent = _Mark.now(count, parties).since(began)
        label = f"ratings POSTed (gateway, {concurrency} at once) -> {RATED}"
        runs.append(Ingest(label, count, listener.last(RATED) - began.at, spent, latency))
    finally:
        listener.stop()
    return Ratings(raw, raw_each, runs, concurrency, _check(url, listener, count))


def _ratings(links: list[str]) -> list[dict]:
    """A rating for each link, mostly good, a few with a comment."""
    rng = random.Random(5)
    return [
        {
            "token": parse_qs(urlsplit(link).query)["token"][0],
            "score": rng.choices(range(1, 6), weights=(5, 5, 15, 35, 40))[0],
            "comment": "Freundlich und schnell." if rng.random() < 0.2 else None,
        }
        for link in links
    ]


def _rate_all(base: str, ratings: list[dict], concurrency: int) -> list[float]:
    """The ratings POSTed by `concurrency` clients side by side; the seconds each took."""
    threads = [
        eventlet.spawn(_rate_share, base, ratings[number::concurrency])
        for number in range(concurrency)
    ]
    try:
        return [took for thread in threads for took in thread.wait()]
    finally:
        for thread in threads:
            thread.kill()


def _rate_share(base: str, ratings: list[dict]) -> list[float]:
    """One client's ratings, one after another on a keep-alive session."""
    timings = []
    with requests.Session() as session:
        for rating in ratings:
            started = time.perf_counter()
            response = session.post(f"{base}{RATINGS}", json=rating, timeout=HTTP_TIMEOUT)
            timings.append(time.perf_counter() - started)
            if response.status_code != 201:
                raise RuntimeError(f"{RATINGS}: {response.status_code} {response.text[:300]}")
    return timings


def _check(url: str, listener: Listener, count: int) -> str:
    """Each visit invited once and rated once; each event arrived once."""
    engine = create_service_engine(url)
    try:
        with engine.connect() as connection:
            invitations = connection.execute(
                select(func.count()).select_from(InvitationRow)
            ).scalar_one()
            ratings = connection.execute(select(func.count()).select_from(RatingRow)).scalar_one()
    finally:
        engine.dispose()
    twice = sum(1 for seen in listener.ids.values() if seen > 1)
    invited, rated = listener.count(INVITED), listener.count(RATED)
    ok = invitations == ratings == invited == rated == count and twice == 0
    return (
        f"{invitations} invitations and {ratings} ratings stored for {count} visits; "
        f"{invited} {INVITED} and {rated} {RATED} events, {twice} arrived twice: "
        f"{'ok' if ok else 'WRONG'}"
    )


def print_report(ratings: Ratings) -> None:
    raw = ratings.raw
    print(
        f"\nRatings through events: {raw.events:,} visits completed, invited and rated; events "
        "counted at a queue\nof the bench's own on the feedback exchange (kombu, prefetch 10, "
        "an ack each)"
    )
    print(f"{'':<64} {'events':>6} {'per s':>7} {'% raw':>6} {'seconds':>8}")
    rows = [
        ("raw: kombu, confirmed batches of 200, ack each", raw),
        ("raw: kombu, confirm each (reference)", ratings.raw_each),
        *((run.label, run) for run in ratings.runs),
    ]
    for label, run in rows:
        print(
            f"{label:<64} {run.events:>6} {run.per_second:>7.0f} "
            f"{run.per_second / raw.per_second:>6.1%} {run.seconds:>8.2f}"
        )
    print(
        "seconds: from the first publish (the ratings: the first POST) to the last event's "
        "arrival; the visits'\nevents published as an outbox relay publishes (confirmed batches "
        f"of 200); the ratings through the\ngateway, {ratings.concurrency} `requests` sessions "
        "at once, no sign-in"
    )
    print(f"{'CPU ms per event':<64}" + "".join(f"{party:>9}" for party in PARTIES))
    for run in ratings.runs:
        cells = "".join(f"{1000 * run.cost.cpu[party] / run.events:>9.2f}" for party in PARTIES)
        print(f"{run.label:<64}{cells}")
    print(CPU_NOTE)
    for run in ratings.runs:
        if run.latency:
            print(
                f"POST {RATINGS}, {ratings.concurrency} at once: median "
                f"{run.latency.median_ms:.1f} ms, p99 {run.latency.p99_ms:.1f} ms"
            )
    print(f"exactly once: {ratings.check}")
