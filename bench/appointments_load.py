"""The appointments bench's clients: availability asked three ways, and a booking rush.

Availability is asked one query after another: of the domain function on the database
(`availability.availability` in a transaction, as the service's entrypoint runs it), of
the same function with its two reads answered from memory (the pure part: the slot rules
and the answer's formatting), of the service over RPC, and of the gateway over HTTP.

The rush: every client has its own HTTP connection, opened when it fetched its challenge,
and its solution ready; then all send their hold at once.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from unittest import mock

import altcha
import eventlet
import requests
from eventlet.event import Event
from sqlalchemy.orm import sessionmaker

from services.appointments import availability
from services.appointments.settings import AppointmentSettings
from services.common.database import Transaction
from services.common.engine import create_service_engine

AVAILABILITY_PATH = "/api/v1/appointments/availability"
CHALLENGE_PATH = "/api/v1/appointments/challenge"
HOLDS_PATH = "/api/v1/appointments/holds"
HTTP_TIMEOUT = 120.0


@dataclass(frozen=True)
class Query:
    service: str
    date_from: date
    date_to: date
    location: str | None  # None: every location

    def rpc_arguments(self) -> tuple[str, str, str, str | None]:
        return self.service, self.date_from.isoformat(), self.date_to.isoformat(), self.location

    def http_params(self) -> dict[str, str]:
        params = {
            "service": self.service,
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
        }
        if self.location is not None:
            params["location"] = self.location
        return params


def timed(call: Callable[[Query], Any], queries: list[Query], warmup: int) -> list[float]:
    """Seconds each query took, one after another, after `warmup` unmeasured ones."""
    for query in queries[:warmup]:
        call(query)
    timings = []
    for query in queries:
        started = time.perf_counter()
        call(query)
        timings.append(time.perf_counter() - started)
    return timings


@contextlib.contextmanager
def domain(url: str) -> Iterator[Callable[[Query], dict[str, Any]]]:
    """The use case as the service's entrypoint runs it: a transaction, then the function."""
    engine = create_service_engine(url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    settings = AppointmentSettings.from_config()

    def ask(query: Query) -> dict[str, Any]:
        with sessions() as session, session.begin():
            return _availability(Transaction(session, "appointments", None), query, settings)

    try:
        yield ask
    finally:
        engine.dispose()


@contextlib.contextmanager
def pure(url: str, queries: list[Query]) -> Iterator[Callable[[Query], dict[str, Any]]]:
    """The same function with the catalogue and desk time of each query read beforehand.

    `placements` and `busy_desk_time` answer from memory: what is left is the slot rules
    (`slots.free_slots`), sorting, and the answer's formatting.
    """
    read: dict[Query, tuple[Any, Any]] = {}
    with domain(url) as ask:
        for query in set(queries):
            places = _recorder(availability.placements)
            taken = _recorder(availability.taken_desk_time)
            with (
                mock.patch.object(availability, "placements", places),
                mock.patch.object(availability, "taken_desk_time", taken),
            ):
                ask(query)
            read[query] = (next(iter(places.answers.values())), taken.answers)

    settings = AppointmentSettings.from_config()
    current: list[Query] = []
    with (
        mock.patch.object(availability, "placements", lambda *_: read[current[0]][0]),
        mock.patch.object(
            availability,
            "taken_desk_time",
            lambda _session, _offer, location_id, *_: read[current[0]][1][location_id],
        ),
    ):

        def ask_pure(query: Query) -> dict[str, Any]:
            current[:] = [query]
            no_session = Transaction(None, "appointments", None)  # type: ignore[arg-type]
            return _availability(no_session, query, settings)

        yield ask_pure


def _availability(tx: Transaction, query: Query, settings: AppointmentSettings) -> dict[str, Any]:
    return availability.availability(
        tx,
        query.service,
        query.date_from,
        query.date_to,
        query.location,
        settings,
        datetime.now(UTC),
    )


def _recorder(function: Callable) -> Callable:
    """`function`, keeping each answer (in `answers`) by its call's third argument."""

    def record(*args, **kwargs):
        answer = function(*args, **kwargs)
        record.answers[args[2] if len(args) > 2 else len(record.answers)] = answer
        return answer

    record.answers = {}
    return record


def over_http(session: requests.Session, base: str) -> Callable[[Query], bytes]:
    def ask(query: Query) -> bytes:
        response = session.get(
            f"{base}{AVAILABILITY_PATH}", params=query.http_params(), timeout=HTTP_TIMEOUT
        )
        if response.status_code != 200:
            raise RuntimeError(f"availability answered {response.status_code}: {response.text}")
        return response.content  # read in full; parsing it is the client's business

    return ask


# the rush ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    started: float
    finished: float
    status: int
    code: str | None  # the error code, for a refusal
    appointment_id: str | None


@dataclass(frozen=True)
class Prepared:
    session: requests.Session
    body: dict[str, Any]


def prepare(base: str, targets: list[dict[str, str]], concurrency: int = 50) -> list[Prepared]:
    """A client per target: its own connection (kept alive), a challenge fetched and solved."""

    def one(number: int) -> Prepared:
        session = requests.Session()
        challenge = session.get(f"{base}{CHALLENGE_PATH}", timeout=HTTP_TIMEOUT)
        challenge.raise_for_status()
        return Prepared(
            session,
            {
                **targets[number],
                "email": f"eilig{number}@example.org",
                "name": f"Eilige Bürgerin {number}",
                "language": "de",
                "altcha": solve(challenge.json()),
            },
        )

    pool = eventlet.GreenPool(concurrency)
    return list(pool.imap(one, range(len(targets))))


def solve(challenge: dict[str, Any]) -> str:
    """The ALTCHA widget's payload for a challenge: base64 of the solution as JSON."""
    solution = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxnumber"]
    )
    if solution is None:
        raise RuntimeError("the challenge has no solution within its maxnumber")
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def rush(base: str, clients: list[Prepared]) -> list[Attempt]:
    """Every client sends its hold at the same moment; each attempt's outcome and timing."""
    go = Event()
    url = f"{base}{HOLDS_PATH}"

    def attempt(client: Prepared) -> Attempt:
        go.wait()
        started = time.perf_counter()
        try:
            response = client.session.post(url, json=client.body, timeout=HTTP_TIMEOUT)
        except requests.RequestException as error:
            return Attempt(started, time.perf_counter(), 0, type(error).__name__, None)
        finished = time.perf_counter()
        payload = response.json()
        if response.status_code == 201:
            return Attempt(started, finished, 201, None, payload["appointment_id"])
        code = payload.get("error", {}).get("code") if isinstance(payload, dict) else None
        return Attempt(started, finished, response.status_code, code, None)

    waiting: list[Prepared] = []

    def attempt_when_told(client: Prepared) -> Attempt:
        waiting.append(client)
        return attempt(client)

    threads = [eventlet.spawn(attempt_when_told, client) for client in clients]
    while len(waiting) < len(clients):  # every client at the start line
        eventlet.sleep(0)
    go.send(True)
    attempts = [thread.wait() for thread in threads]
    for client in clients:
        client.session.close()
    return attempts
