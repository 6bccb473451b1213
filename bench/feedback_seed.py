"""Two years of reports for the public-map bench: 100,000 seeded in bulk.

The rows are those `items.submit` and the office's moves leave in `items` (history,
follows and comments are left out: the map reads none of them), at random with a fixed
seed. Places lie inside the town's boundary (town.yaml), denser in the old town: 45% spread
around the market (normally, 700 m each way), 30% over the core town (2.5 km), the rest
anywhere in town; the public position is the exact one blurred as the service blurs it
(`geo.blurred`, 50 m). Categories are the town's report categories, each with answers
its questions accept; reports were submitted over the last 730 days, most of those older
than a few weeks are closed (done, rejected, duplicate) with an official answer, and a few
in a hundred are hidden by flags or a moderator. A few thousand ideas (no place) sit beside
them, as they do in the table.
"""

from __future__ import annotations

import math
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from services.common.engine import create_service_engine
from services.feedback import catalogue, geo
from services.feedback.catalogue import Category, Town
from services.feedback.models import ItemRow

REPORTS = 100_000
IDEAS = 3_000
DAYS = 730
CHUNK = 5000  # rows per INSERT batch
BLUR_METERS = 50  # FEEDBACK.location_blur_meters
MARKET = (51.5711, 8.1060)  # Soest, the market square
# where reports are: (share, spread in metres around the market; None: anywhere in town)
PLACES = ((0.45, 700.0), (0.30, 2500.0), (0.25, None))
CATEGORY_SHARES = {
    "pothole": 0.3,
    "streetlight": 0.25,
    "litter": 0.25,
    "graffiti": 0.12,
    "green_space": 0.08,
}
OPEN = {"submitted": 0.4, "in_review": 0.35, "accepted": 0.25}
CLOSED = {"done": 0.78, "rejected": 0.1, "duplicate": 0.12}
# the share of reports still open, by age in days (up to the bound)
STILL_OPEN = ((7, 0.95), (30, 0.6), (90, 0.2), (DAYS + 1, 0.04))
HIDDEN = 0.015
STREETS = (
    "Markt",
    "Am Vreithof",
    "Brüderstraße",
    "Grandweg",
    "Jakobistraße",
    "Ulricherstraße",
    "Thomästraße",
    "Osthofenstraße",
    "Nöttenstraße",
    "Walburger Straße",
    "Wiesenstraße",
    "Hansaplatz",
    "Dasselwall",
    "Ostring",
    "Arnsberger Straße",
)


@dataclass(frozen=True)
class Seeded:
    reports: int
    visible: int
    open: int
    ideas: int
    seconds: float


def seed_items(url: str, rows: list[dict[str, Any]]) -> Seeded:
    """The rows of `plan` in bulk inserts; then VACUUM ANALYZE, as autovacuum would soon."""
    started = time.perf_counter()
    engine = create_service_engine(url)
    try:
        with engine.begin() as connection:
            for first in range(0, len(rows), CHUNK):
                connection.execute(insert(ItemRow.__table__), rows[first : first + CHUNK])
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            vacuum = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
            connection.exec_driver_sql(f"{vacuum} items")
    finally:
        engine.dispose()
    reports = [row for row in rows if row["kind"] == "report"]
    return Seeded(
        reports=len(reports),
        visible=sum(1 for row in reports if not row["hidden"]),
        open=sum(1 for row in reports if row["status"] in OPEN),
        ideas=len(rows) - len(reports),
        seconds=time.perf_counter() - started,
    )


def plan(
    reports: int, now: datetime, rng: random.Random, town: Town | None = None
) -> list[dict[str, Any]]:
    """The rows, reports then ideas, in no particular order of time."""
    town = town or catalogue.load()
    kinds = [town.categories[key] for key in CATEGORY_SHARES]
    weights = list(CATEGORY_SHARES.values())
    ideas = [category for category in town.categories.values() if category.kind == "idea"]
    rows: list[dict[str, Any]] = []
    for index in range(reports):
        category = rng.choices(kinds, weights=weights)[0]
        latitude, longitude = place(town, rng)
        rows.append(_report(rng, index, category, latitude, longitude, now, rows))
    for index in range(IDEAS * reports // REPORTS):
        rows.append(_idea(rng, index, rng.choice(ideas), now))
    return rows


def place(town: Town, rng: random.Random) -> tuple[float, float]:
    """Somewhere inside the boundary, as often as PLACES says near the market."""
    spread = rng.choices([meters for _, meters in PLACES], [part for part, _ in PLACES])[0]
    box = bounds(town)
    while True:
        if spread is None:
            latitude = rng.uniform(box.south, box.north)
            longitude = rng.uniform(box.west, box.east)
        else:
            north_m, east_m = rng.gauss(0.0, spread), rng.gauss(0.0, spread)
            latitude = MARKET[0] + north_m / geo.METERS_PER_DEGREE_LATITUDE
            longitude = MARKET[1] + east_m / _meters_per_degree_longitude(MARKET[0])
        if geo.inside(town.boundary, latitude, longitude):
            return round(latitude, 6), round(longitude, 6)


def bounds(town: Town) -> geo.Box:
    """The smallest box holding the town's boundary."""
    latitudes = [lat for lat, _ in town.boundary]
    longitudes = [lon for _, lon in town.boundary]
    return geo.Box(min(latitudes), min(longitudes), max(latitudes), max(longitudes))


def _meters_per_degree_longitude(latitude: float) -> float:
    return geo.METERS_PER_DEGREE_LATITUDE * math.cos(math.radians(latitude))


def _report(
    rng: random.Random,
    index: int,
    category: Category,
    latitude: float,
    longitude: float,
    now: datetime,
    earlier: list[dict[str, Any]],
) -> dict[str, Any]:
    submitted_at = now - timedelta(seconds=rng.uniform(60, DAYS * 86400))
    status = _status(rng, (now - submitted_at).days)
    closed = status in CLOSED
    answered_at = submitted_at + timedelta(hours=rng.uniform(2, 24 * 14))
    answered = closed or (status != "submitted" and rng.random() < 0.5)
    answered_at = min(answered_at, now) if answered else None
    closed_at = answered_at if closed else None
    public_latitude, public_longitude = geo.blurred(latitude, longitude, BLUR_METERS)
    hidden = rng.random() < HIDDEN
    anonymous = rng.random() < 0.4
    street = rng.choice(STREETS)
    return {
        **_common(rng, index, category, submitted_at, anonymous),
        "kind": "report",
        "title": f"{category.names['de']} {street}",
        "description": f"{category.names['de']} in der Nähe von {street} {rng.randint(1, 80)}.",
        "answers": _answers(rng, category),
        "latitude": latitude,
        "longitude": longitude,
        "public_latitude": public_latitude,
        "public_longitude": public_longitude,
        "photos": [str(uuid.UUID(int=rng.getrandbits(128), version=4))]
        if rng.random() < 0.3
        else [],
        "status": status,
        "hidden": hidden,
        "flags": rng.randint(3, 5) if hidden else (1 if rng.random() < 0.02 else 0),
        "me_too": int(rng.expovariate(1.5)),
        "duplicate_of": rng.choice(earlier)["id"] if status == "duplicate" and earlier else None,
        "official_answer": "Vielen Dank, wir haben uns darum gekümmert." if answered else None,
        "updated_at": closed_at or answered_at or submitted_at,
        "closed_at": closed_at,
        "answered_at": answered_at,
    }


def _idea(rng: random.Random, index: int, category: Category, now: datetime) -> dict[str, Any]:
    submitted_at = now - timedelta(seconds=rng.uniform(60, DAYS * 86400))
    status = _status(rng, (now - submitted_at).days)
    return {
        **_common(rng, REPORTS + index, category, submitted_at, rng.random() < 0.2),
        "kind": "idea",
        "title": f"Idee: {category.names['de']} {index}",
        "description": "Ein Vorschlag für die Stadt.",
        "answers": {},
        "latitude": None,
        "longitude": None,
        "public_latitude": None,
        "public_longitude": None,
        "photos": [],
        "status": status,
        "hidden": rng.random() < HIDDEN,
        "flags": 0,
        "me_too": 0,
        "duplicate_of": None,
        "official_answer": None,
        "updated_at": submitted_at,
        "closed_at": submitted_at + timedelta(days=30) if status in CLOSED else None,
        "answered_at": None,
    }


def _common(
    rng: random.Random, index: int, category: Category, submitted_at: datetime, anonymous: bool
) -> dict[str, Any]:
    citizen = index % 30_000
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "category": category.key,
        "department": category.department,
        "author": f"citizen-{citizen}",
        "author_name": None if anonymous else f"Bürgerin {citizen}",
        "email": f"buerger{citizen}@example.org" if rng.random() < 0.7 else None,
        "language": "en" if rng.random() < 0.08 else "de",
        "anonymous": anonymous,
        "supports": int(rng.expovariate(0.2)) if category.kind == "idea" else 0,
        "submitted_at": submitted_at,
    }


def _answers(rng: random.Random, category: Category) -> dict[str, Any]:
    """Answers the category's questions accept (`Category.checked_answers`)."""
    answers: dict[str, Any] = {}
    for question in category.questions:
        if not question.required and rng.random() < 0.6:
            continue
        if question.type == "choice":
            answers[question.key] = rng.choice(question.choices)
        elif question.type == "boolean":
            answers[question.key] = rng.random() < 0.1
        elif question.type == "number":
            answers[question.key] = rng.randint(1, 10)
        else:
            answers[question.key] = f"{rng.randint(1, 9999):04d}"
    return category.checked_answers(answers)


def _status(rng: random.Random, age_days: int) -> str:
    share = next(share for bound, share in STILL_OPEN if age_days <= bound)
    choices = OPEN if rng.random() < share else CLOSED
    return rng.choices(list(choices), weights=list(choices.values()))[0]
