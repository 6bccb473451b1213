"""A year of applications for the worklist bench: 100,000 cases seeded in bulk.

The rows are those `cases.submit` and the clerks' moves leave in `cases` (history, notes and
attachments are left out: the worklist reads none of them), spread at random (a fixed
seed) over the three types of types.yaml (half parking permits, a third certificates of
residence, the rest dog tax), submitted over the last 365 days, each due after its type's
processing days (`submission.due_at`). Most cases of more than a month are closed
(completed or withdrawn); what is still open of them is overdue, as in an office that
falls a little behind. Twenty clerks share the assigned cases; a fresh case is mostly
unassigned. The case counters are set after the last number, so that submissions made
afterwards get numbers of their own.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import sessionmaker

from services.applications import catalogue, submission
from services.applications.models import CaseRow, CounterRow
from services.common.engine import create_service_engine

CASES = 100_000
CHUNK = 5000  # rows per INSERT batch
CLERKS = tuple(f"clerk-{number:02d}" for number in range(1, 21))
TYPE_SHARES = {"bewohnerparkausweis": 0.5, "meldebescheinigung": 0.35, "hundesteuer": 0.15}
OPEN = {
    "submitted": 0.3,
    "in_review": 0.35,
    "information_requested": 0.15,
    "approved": 0.12,
    "rejected": 0.08,
}
CLOSED = {"completed": 0.93, "withdrawn": 0.07}
# the share of cases still open, by age in days (up to the bound)
STILL_OPEN = ((7, 0.97), (30, 0.6), (90, 0.1), (366, 0.02))
ADDRESS = {"street": "Am Vreithof", "house_number": "8", "postcode": "59494", "city": "Soest"}
FORMS: dict[str, dict[str, Any]] = {
    "bewohnerparkausweis": {
        "plate": "SO-AB 123",
        "vehicle_owner": "self",
        "address": ADDRESS,
        "zone": "B",
        "valid_from": "2026-01-01",
    },
    "meldebescheinigung": {
        "purpose": "Vorlage beim Arbeitgeber",
        "kind": "simple",
        "delivery": "download",
        "copies": 1,
    },
    "hundesteuer": {
        "dogs": [{"name": "Bello", "breed": "Mischling", "born": "2022-04-01", "chip_number": "2"}],
        "kept_since": "2026-01-01",
        "address": ADDRESS,
        "exemption": None,
    },
}


@dataclass(frozen=True)
class Seeded:
    cases: int
    open: int
    overdue: int
    seconds: float


def seed_cases(url: str, rows: list[dict[str, Any]], now: datetime) -> Seeded:
    """The cases of `plan` in bulk inserts, the counters after them; then VACUUM ANALYZE."""
    started = time.perf_counter()
    engine = create_service_engine(url)
    try:
        with sessionmaker(engine)() as session, session.begin():
            for first in range(0, len(rows), CHUNK):
                session.execute(insert(CaseRow.__table__), rows[first : first + CHUNK])
            session.execute(insert(CounterRow.__table__), _counters(rows))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # what autovacuum does soon after a bulk load: the planner learns the sizes
            vacuum = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
            connection.exec_driver_sql(vacuum)
    finally:
        engine.dispose()
    still_open = [row for row in rows if not row["closed"]]
    overdue = sum(1 for row in still_open if row["due_at"] < now)
    return Seeded(len(rows), len(still_open), overdue, time.perf_counter() - started)


def plan(cases: int, now: datetime, rng: random.Random) -> list[dict[str, Any]]:
    """The rows, oldest first, numbered per year and type as `submission.next_number` does."""
    kinds = catalogue.load()
    metadata = {
        key: submission.metadata(kind, FORMS[key], [_attachment(rng)])
        for key, kind in kinds.items()
    }
    moments = sorted(now - timedelta(seconds=rng.uniform(60, 365 * 86400)) for _ in range(cases))
    numbers: Counter[tuple[int, str]] = Counter()
    rows = []
    for index, submitted_at in enumerate(moments):
        key = rng.choices(list(TYPE_SHARES), weights=list(TYPE_SHARES.values()))[0]
        kind = kinds[key]
        numbers[submitted_at.year, kind.code] += 1
        status = _status(rng, (now - submitted_at).days)
        closed = kind.statuses[status].final
        language = "en" if rng.random() < 0.1 else "de"
        rows.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "number": f"{submitted_at.year}-{kind.code}-"
                f"{numbers[submitted_at.year, kind.code]:06d}",
                "application_type": key,
                "citizen": f"citizen-{index % 40_000}",
                "contact": {"name": f"Bürgerin {index}", "email": f"buerger{index}@example.org"},
                "language": language,
                "form": FORMS[key],
                "submission": metadata[key],
                "status": status,
                "closed": closed,
                "assignee": _assignee(rng, status),
                "open_request": "Bitte reichen Sie ... nach."
                if status == "information_requested"
                else None,
                "submitted_at": submitted_at,
                "due_at": submission.due_at(kind, submitted_at),
                "updated_at": submitted_at + timedelta(days=rng.uniform(0, 3))
                if closed
                else submitted_at,
            }
        )
    return rows


def _status(rng: random.Random, age_days: int) -> str:
    share = next(share for bound, share in STILL_OPEN if age_days <= bound)
    choices = OPEN if rng.random() < share else CLOSED
    return rng.choices(list(choices), weights=list(choices.values()))[0]


def _assignee(rng: random.Random, status: str) -> str | None:
    if status == "submitted" and rng.random() < 0.7:
        return None
    return rng.choice(CLERKS)


def _attachment(rng: random.Random) -> dict[str, str]:
    return {
        "document_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "purpose": "other",
        "sha256": hashlib.sha256(rng.randbytes(32)).hexdigest(),
        "media_type": "application/pdf",
    }


def _counters(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    last: Counter[tuple[int, str]] = Counter()
    for row in rows:
        year, code, number = row["number"].split("-")
        last[int(year), code] = max(last[int(year), code], int(number))
    return [{"year": year, "code": code, "last": value} for (year, code), value in last.items()]
