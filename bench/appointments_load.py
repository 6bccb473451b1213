"""The appointments bench's clients: availability asked three ways, and a booking rush.

Availability is asked one query after another: of the domain function on the database
(`availability.availability` in a transaction, as the service's entrypoint runs it), of
the same function with its reads answered from memory (the pure part: putting the kept
days together and the answer's formatting), of the service over RPC, and of the gateway
over HTTP.

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


def timed_in_turn(
    first: Callable[[Query], Any], second: Callable[[Query], Any], queries: list[Query], warmup: int
) -> tuple[list[float], list[float]]:
    """`timed` for two ways of answering, each query asked of one, then of the other."""
    for query in queries[:warmup]:
        first(query)
        second(query)
    timings: tuple[list[float], list[float]] = ([], [])
    for query in queries:
        for call, taken in zip((first, second), timings, strict=True):
            started = time.perf_counter()
            call(query)
            taken.append(time.perf_counter() - started)
    return timings


@contextlib.contextmanager
def domain(url: str, *, in_full: bool = False) -> Iterator[Callable[[Query], dict[str, Any]]]:
    """The use case as the service's entrypoint runs it: a transaction, then the function;
    `in_full`: the full computation from every desk minute, as before the days were kept."""
    engine = create_service_engine(url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    settings = AppointmentSettings.from_config()
    function = availability.availability_in_full if in_full else availability.availability

    def ask(query: Query) -> dict[str, Any]:
        with sessions() as session, session.begin():
            tx = Transaction(session, "appointments", None)
            return _availability(tx, query, settings, function)

    try:
        yield ask
    finally:
        engine.dispose()


@contextlib.contextmanager
def pure(url: str, queries: list[Query]) -> Iterator[Callable[[Query], dict[str, Any]]]:
    """The same function with each query's reads (the catalogue, the days kept, the desk
    time that passes, and the desk time of days computed in full) made beforehand.

    What is left is putting the kept days together (and computing any day that has no row
    or holds a hold) and the answer's formatting.
    """
    reads = ("placements", "passing_desk_time", "taken_desk_time")
    read: dict[Query, dict[str, list[Any]]] = {}
    with domain(url) as ask:
        for query in set(queries):
            recorders = {name: _recorder(getattr(availability, name)) for name in reads}
            kept = _recorder(availability.free_days.stored)
            with contextlib.ExitStack() as patches:
                for name, recorder in recorders.items():
                    patches.enter_context(mock.patch.object(availability, name, recorder))
                patches.enter_context(mock.patch.object(availability.free_days, "stored", kept))
                ask(query)
            read[query] = {name: recorder.answers for name, recorder in recorders.items()}
            read[query]["stored"] = kept.answers

    settings = AppointmentSettings.from_config()
    current: list[Query] = []

    def replay(name: str) -> Callable[..., Any]:
        def answer(*_args, **_kwargs) -> Any:
            return read[current[0]][name].pop(0)

        return answer

    with contextlib.ExitStack() as patches:
        for name in reads:
            patches.enter_context(mock.patch.object(availability, name, replay(name)))
        patches.enter_context(mock.patch.object(availability.free_days, "stored", replay("stored")))

        def ask_pure(query: Query) -> dict[str, Any]:
            current[:] = [query]
            answers = read[query]
            saved = {name: list(each) for name, each in answers.items()}
            no_session = Transaction(None, "appointments", None)  # type: ignore[arg-type]
            try:
                return _availability(no_session, query, settings)
            finally:
                read[query] = saved

        yield ask_pure


def _availability(
    tx: Transaction,
    query: Query,
    settings: AppointmentSettings,
    function: Callable[..., dict[str, Any]] = availability.availability,
) -> dict[str, Any]:
    return function(
        tx,
        query.service,
        query.date_from,
        query.date_to,
        query.location,
        settings,
        datetime.now(UTC),
    )


def _recorder(function: Callable) -> Callable:
    """`function`, keeping each of its answers in order (in `answers`)."""

    def record(*args, **kwargs):
        answer = function(*args, **kwargs)
        record.answers.append(answer)
        return answer

    record.answers = []
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
