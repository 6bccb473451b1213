"""The citizens' portal: each page's server time, the bytes a first visit transfers, and the
booking journey in a browser.

The platform runs as one process, as `make run` starts it (bench/portal_platform.py: every
service and the gateway that serves the pages, SQLite, the demo office, the proof of work
as configured), in the run's vhost.

1. Server time per page: `requests` (keep-alive) asks each page one request after another,
   --page-requests times after a few unmeasured ones, and reads each answer in full: HTTP
   to the gateway, the page's RPCs to the real services, rendering. The catalogue, each
   booking step (location, day, time: the day's free slots over 28 days), the details form,
   and a signed-in citizen's list of appointments (a session cookie from signing in on the
   development sign-in page; one appointment booked under the account) and list of cases
   (five applications made through the JSON API), against the raw AMQP request/reply
   measured in the same run.
2. Bytes of a first visit and the journey's time: bench/portal_browser.py in a process of
   its own (Playwright does not run under eventlet), in Debian's Chromium.

    python -m bench.portal_pages [--page-requests 300] [--journeys 3]
"""

from __future__ import annotations

import warnings

warnings.simplefilter("ignore")  # eventlet's deprecation notice, among others

import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything opens a socket

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import date, timedelta  # noqa: E402
from statistics import median  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

import requests  # noqa: E402

from bench.applications_seed import FORMS  # noqa: E402
from bench.appointments_load import solve  # noqa: E402
from bench.portal_platform import platform  # noqa: E402
from bench.processes import REPO  # noqa: E402
from bench.report import Latency, rpc_table, verdict  # noqa: E402
from bench.standalone import main_against_raw_rpc  # noqa: E402
from services.common.settings import amqp_uri  # noqa: E402
from services.gateway.settings import ChallengeSettings  # noqa: E402

TARGET_P99_MS = 50.0  # each page, through the whole stack
TARGET_TRANSFER = 200_000  # bytes of a first visit to the booking pages, compressed
WARMUP = 10  # unmeasured requests per page
SERVICE = "personalausweis"
SERVICE_NAME = "Personalausweis beantragen"
LOCATION = "rathaus"
CITIZEN = "bench-citizen"
CASES = 5  # the signed-in citizen's applications, for their case list
DOG = {
    "name": "Bello",
    "breed": "Mischling",
    "born": "2022-04-01",
    "chip_number": "276098106543210",
}
HTTP_TIMEOUT = 30.0
BROWSER_TIMEOUT = 600.0
KINDS = ("html", "css", "js", "fonts", "other")


@dataclass(frozen=True)
class Figures:
    pages: list[tuple[str, Latency]]
    transfer: dict[str, int]
    responses: int
    journeys: list[float]
    altcha_max_number: int

    @property
    def transferred(self) -> int:
        return sum(self.transfer.values())


# the pages --------------------------------------------------------------------------------


def booking_paths(url: str) -> list[tuple[str, str]]:
    """Each booking step's page for the ID card at the town hall, on its first free day."""
    day, start = _first_free_slot(url)
    step = {"service": SERVICE}
    paths = [("catalogue /appointments", "/appointments")]
    paths.append(("book: location (?service=)", f"/appointments/book?{urlencode(step)}"))
    step["location"] = LOCATION
    paths.append(("book: day (&location=)", f"/appointments/book?{urlencode(step)}"))
    step["date"] = day
    paths.append(("book: time (&date=)", f"/appointments/book?{urlencode(step)}"))
    step["start"] = start
    paths.append(("book: details form", f"/appointments/book/details?{urlencode(step)}"))
    return paths


def _first_free_slot(url: str) -> tuple[str, str]:
    today = date.today()
    answer = requests.get(
        f"{url}/api/v1/appointments/availability",
        params={
            "service": SERVICE,
            "location": LOCATION,
            "from": today.isoformat(),
            "to": (today + timedelta(days=28)).isoformat(),
        },
        timeout=HTTP_TIMEOUT,
    )
    answer.raise_for_status()
    day = next(day for day in answer.json()["locations"][0]["days"] if day["times"])
    start = f"{day['date']}T{day['times'][0]}:00{day['utc_offset']}"
    return day["date"], start


def signed_in(url: str) -> requests.Session:
    """A session signed in on the development sign-in page, with one appointment held."""
    session = requests.Session()
    form = session.get(f"{url}/sign-in", timeout=HTTP_TIMEOUT).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = session.post(
        f"{url}/sign-in",
        data={"csrf_token": csrf, "subject": CITIZEN, "role": "citizen", "next": "/"},
        timeout=HTTP_TIMEOUT,
    )
    answer.raise_for_status()
    _book_as_citizen(url)
    listed = session.get(f"{url}/appointments/mine", timeout=HTTP_TIMEOUT).text
    if SERVICE_NAME not in listed:
        raise RuntimeError("the signed-in citizen's list does not show their appointment")
    numbers = [_apply_as_citizen(url) for _ in range(CASES)]
    listed = session.get(f"{url}/applications/mine", timeout=HTTP_TIMEOUT).text
    if not all(number in listed for number in numbers):
        raise RuntimeError("the signed-in citizen's case list does not show their cases")
    return session


def _citizen_token(url: str) -> dict[str, str]:
    token = requests.post(
        f"{url}/api/v1/auth/dev-login",
        json={"subject": CITIZEN, "role": "citizen"},
        timeout=HTTP_TIMEOUT,
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _apply_as_citizen(url: str) -> str:
    """One dog tax registration made through the JSON API; its case number."""
    answer = requests.post(
        f"{url}/api/v1/applications/cases",
        headers=_citizen_token(url),
        json={
            "application_type": "hundesteuer",
            "form": {**FORMS["hundesteuer"], "dogs": [DOG]},
            "contact": {"name": "Bench Bürgerin", "email": "bench-citizen@example.org"},
            "language": "de",
            "idempotency_key": str(uuid.uuid4()),
        },
        timeout=HTTP_TIMEOUT,
    )
    if answer.status_code != 201:
        raise RuntimeError(f"the application answered {answer.status_code}: {answer.text}")
    return answer.json()["case_number"]


def _book_as_citizen(url: str) -> None:
    """One hold under the citizen's account, through the JSON API, for their list to show."""
    headers = _citizen_token(url)
    challenge = requests.get(f"{url}/api/v1/appointments/challenge", timeout=HTTP_TIMEOUT).json()
    _, start = _first_free_slot(url)
    answer = requests.post(
        f"{url}/api/v1/appointments/holds",
        headers=headers,
        json={
            "service": SERVICE,
            "location": LOCATION,
            "start": start,
            "name": "Bench Bürgerin",
            "email": "bench-citizen@example.org",
            "language": "de",
            "altcha": solve(challenge),
        },
        timeout=HTTP_TIMEOUT,
    )
    if answer.status_code != 201:
        raise RuntimeError(f"the hold answered {answer.status_code}: {answer.text}")


def timed_page(session: requests.Session, url: str, requests_: int) -> Latency:
    """One GET after another; each answer read in full and checked to be the page."""
    timings = []
    for number in range(WARMUP + requests_):
        began = time.perf_counter()
        answer = session.get(url, timeout=HTTP_TIMEOUT, allow_redirects=False)
        answer.content  # noqa: B018 - read in full
        took = time.perf_counter() - began
        if answer.status_code != 200 or "text/html" not in answer.headers["Content-Type"]:
            raise RuntimeError(f"{url} answered {answer.status_code}: {answer.text[:300]}")
        if number >= WARMUP:
            timings.append(took)
    return Latency.of(timings)


def measure_pages(url: str, requests_: int) -> list[tuple[str, Latency]]:
    measured = []
    with requests.Session() as session:
        for label, path in booking_paths(url):
            measured.append((label, timed_page(session, f"{url}{path}", requests_)))
    with signed_in(url) as session:
        mine = timed_page(session, f"{url}/appointments/mine", requests_)
        measured.append(("signed in: /appointments/mine", mine))
        cases = timed_page(session, f"{url}/applications/mine", requests_)
        measured.append((f"signed in: /applications/mine ({CASES} cases)", cases))
    return measured


# the browser ------------------------------------------------------------------------------


def in_the_browser(url: str, journeys: int) -> dict:
    """bench/portal_browser.py in a process without eventlet; its one line of JSON."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.portal_browser", "--url", url, "--journeys", str(journeys)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the browser bench failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(uri: str, requests_: int, journeys: int) -> Figures:
    with platform(uri) as place:
        pages = measure_pages(place.url, requests_)
        seen = in_the_browser(place.url, journeys)
    return Figures(
        pages,
        seen["transfer"],
        seen["responses"],
        seen["journeys"],
        int(place.env.get("ALTCHA_MAX_NUMBER", ChallengeSettings.max_number)),
    )


# running and printing ---------------------------------------------------------------------


def run(args: argparse.Namespace, pg_problem: str | None, raw: Latency) -> bool:
    """Measure on the broker of the run's configuration, print, say if targets were met."""
    began = time.monotonic()
    figures = measure(amqp_uri(), args.page_requests, args.journeys)
    passed = print_report(figures, raw)
    print(f"portal bench: {time.monotonic() - began:.0f} s")
    return passed


def print_report(figures: Figures, raw: Latency) -> bool:
    rows = [("raw AMQP request/reply (kombu, same process)", raw), *figures.pages]
    print()
    print(rpc_table(rows, raw, title="Portal pages: HTTP GET -> gateway -> RPCs -> HTML"))
    print(
        "the platform as `make run` starts it (one process, SQLite, the demo office); the client\n"
        "is `requests` with keep-alive, one page after another, each read in full; the booking\n"
        "steps for the ID card at the town hall on its first free day (28 days looked at)"
    )
    passed = True
    for label, latency in figures.pages:
        fast = latency.p99_ms < TARGET_P99_MS
        passed = passed and fast
        print(
            f"target: {label} p99 < {TARGET_P99_MS:g} ms: {latency.p99_ms:.1f} ms {verdict(fast)}"
        )

    kinds = ", ".join(f"{kind} {figures.transfer.get(kind, 0) / 1000:.1f} kB" for kind in KINDS)
    print(
        f"\nFirst visit, start -> catalogue -> location -> day -> time -> details, in Chromium:\n"
        f"{figures.responses} responses, {figures.transferred / 1000:.1f} kB as sent "
        f"(encoded bodies): {kinds}"
    )
    small = figures.transferred < TARGET_TRANSFER
    print(
        f"target: first visit to the booking pages < {TARGET_TRANSFER / 1000:g} KB: "
        f"{figures.transferred / 1000:.1f} KB {verdict(small)}"
    )
    runs = ", ".join(f"{seconds:.2f}" for seconds in figures.journeys)
    print(
        f"journey, start to 'Bitte prüfen Sie Ihr Postfach', clicking at once, fresh browser "
        f"each:\nmedian {median(figures.journeys):.2f} s of {len(figures.journeys)} ({runs} s); "
        f"the proof of work at CHALLENGE.max_number {figures.altcha_max_number:,}"
    )
    return passed and small


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--page-requests", type=int, default=300, help="per portal page")
    parser.add_argument("--journeys", type=int, default=3, help="booking journeys in Chromium")


def main(argv: list[str] | None = None) -> int:
    return main_against_raw_rpc(argv, "python -m bench.portal_pages", __doc__, add_arguments, run)


if __name__ == "__main__":
    sys.exit(main())
