"""Open311 GeoReport v2, read only: the town's report categories as services, its public
reports as service requests, and the discovery document, in the shapes map apps read.

Only what the public may see goes out: the blurred location, no name, no account, nothing
hidden. The search rules are the spec's: a list of ids overrides every other filter; a
search spans at most 90 days (the most recent 90 unless told) and answers at most 1000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.common.errors import InvalidInput
from services.feedback.catalogue import CLOSED, LANGUAGES, OPEN, Category, Town
from services.feedback.errors import UnknownJurisdiction
from services.feedback.models import ItemRow

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# what the gateway answers in: `.json` and `.xml`
FORMATS = ("application/json", "text/xml")
KEY_SERVICE = "No key is needed: this endpoint only reads, and reading is open to everyone."
WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
# Open311's two statuses, as our item statuses
STATUSES: dict[str, tuple[str, ...]] = {"open": OPEN, "closed": CLOSED}
# Open311's attribute datatypes for our question types
_DATATYPES = {
    "text": "string",
    "choice": "singlevaluelist",
    "boolean": "singlevaluelist",
    "number": "number",
}


@dataclass(frozen=True)
class RequestSearch:
    """What GET requests looks for, its defaults and limits applied."""

    categories: tuple[str, ...]  # empty: every service
    statuses: tuple[str, ...]  # item statuses; empty: every status
    start: datetime
    end: datetime
    bbox: str | None
    limit: int


def language(asked: str | None) -> str:
    """The language of names: the one asked for (`en`, `en-GB`) where we speak it, else German."""
    primary = (asked or "").split("-")[0].strip().lower()
    return primary if primary in LANGUAGES else "de"


def check_jurisdiction(town: Town, jurisdiction_id: str | None) -> None:
    """The endpoint serves one town; another's jurisdiction_id is not found (the spec's 404)."""
    ours = town.open311.jurisdiction_id
    if jurisdiction_id is not None and jurisdiction_id.lower().removeprefix("www.") != ours:
        raise UnknownJurisdiction(
            f"There is no jurisdiction {jurisdiction_id!r} here; this endpoint serves {ours}.",
            {"jurisdiction_id": jurisdiction_id, "served": ours},
        )


def search(town: Town, query: dict[str, Any], now: datetime) -> RequestSearch:
    start, end = window(query["start_date"], query["end_date"], now)
    return RequestSearch(
        categories=service_codes(town, query["service_code"]),
        statuses=tuple(
            status for name in dict.fromkeys(query["status"]) for status in STATUSES[name]
        ),
        start=start,
        end=end,
        bbox=query["bbox"],
        limit=min(query["limit"], MAX_REQUESTS),
    )


def window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """The submission times searched: up to 90 days from the start or to the end given, the
    last 90 days when neither is; a longer or reversed span is refused."""
    if start is None:
        end = end or now
        return end - WINDOW, end
    if end is None:
        return start, start + WINDOW
    if end < start:
        raise InvalidInput(
            "end_date comes before start_date.", {"end_date": ["Not after start_date."]}
        )
    if end - start > WINDOW:
        raise InvalidInput(
            "A search spans at most 90 days.",
            {"end_date": ["More than 90 days after start_date; search in parts."]},
        )
    return start, end


def service_codes(town: Town, codes: list[str]) -> tuple[str, ...]:
    """The report categories named; one we do not have is a mistake, not an empty answer."""
    unknown = [code for code in codes if code not in _services(town)]
    if unknown:
        raise InvalidInput(
            "There is no such service; GET services lists them.",
            {"service_code": [f"No service {code!r}." for code in unknown]},
        )
    return tuple(dict.fromkeys(codes))


def services(town: Town, language: str) -> list[dict[str, Any]]:
    return [service(category, town, language) for category in _services(town).values()]


def service(category: Category, town: Town, language: str) -> dict[str, Any]:
    return {
        "service_code": category.key,
        "service_name": category.names[language],
        "description": category.names[language],
        "metadata": bool(category.questions),
        "type": "realtime",
        "keywords": category.key.replace("_", ","),
        "group": town.departments[category.department][language],
    }


def service_category(town: Town, service_code: str) -> Category | None:
    return _services(town).get(service_code)


def definition(category: Category, language: str) -> dict[str, Any]:
    """A service's extra questions as Open311 attributes, a choice's values with their names."""
    attributes = [
        {
            "variable": True,
            "code": question.key,
            "datatype": _DATATYPES[question.type],
            "required": question.required,
            "datatype_description": "",
            "order": order,
            "description": question.label[language],
            "values": [{"key": key, "name": name} for key, name in question.options(language)],
        }
        for order, question in enumerate(category.questions, start=1)
    ]
    return {"service_code": category.key, "attributes": attributes}


def request(row: ItemRow, town: Town, language: str) -> dict[str, Any]:
    category = town.categories.get(row.category)
    department = town.departments.get(row.department)
    closed = row.status in CLOSED
    return {
        "service_request_id": row.id,
        "status": "closed" if closed else "open",
        "status_notes": row.official_answer or "",
        "service_name": category.names[language] if category else row.category,
        "service_code": row.category,
        "description": f"{row.title}\n\n{row.description}",
        "agency_responsible": department[language] if department else row.department,
        "service_notice": "",
        "requested_datetime": row.submitted_at.isoformat(),
        # the spec's: a closed request's is when it was closed
        "updated_datetime": ((row.closed_at if closed else None) or row.updated_at).isoformat(),
        "expected_datetime": None,
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": row.public_latitude,
        "long": row.public_longitude,
        "media_url": "",
    }


def discovery(town: Town, endpoint_url: str) -> dict[str, Any]:
    """The service discovery document: where the GeoReport v2 endpoint is, and in what formats."""
    changeset = town.open311.changeset.isoformat()
    return {
        "changeset": changeset,
        "contact": town.open311.contact,
        "key_service": KEY_SERVICE,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": changeset,
                "type": "production",
                "formats": list(FORMATS),
            }
        ],
    }


def _services(town: Town) -> dict[str, Category]:
    """Reports are service requests; ideas are not."""
    return {key: category for key, category in town.categories.items() if category.kind == "report"}
