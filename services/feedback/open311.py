"""Open311 GeoReport v2, read-only: the town's report categories as services, and its
public reports as service requests, in the shapes existing map apps read.

Only what the public may see goes out: the blurred location, no name, no account.
"""

from __future__ import annotations

from typing import Any

from services.feedback.catalogue import OPEN, Category, Town
from services.feedback.models import ItemRow

# Open311's attribute datatypes for our question types
_DATATYPES = {
    "text": "string",
    "choice": "singlevaluelist",
    "boolean": "singlevaluelist",
    "number": "number",
}


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


def definition(category: Category, language: str) -> dict[str, Any]:
    """A service's extra questions as Open311 attributes."""
    attributes = []
    for order, question in enumerate(category.questions, start=1):
        values = (
            [{"key": choice, "name": choice} for choice in question.choices]
            if question.type == "choice"
            else [{"key": "true", "name": "true"}, {"key": "false", "name": "false"}]
            if question.type == "boolean"
            else []
        )
        attributes.append(
            {
                "variable": True,
                "code": question.key,
                "datatype": _DATATYPES[question.type],
                "required": question.required,
                "datatype_description": "",
                "order": order,
                "description": question.label[language],
                "values": values,
            }
        )
    return {"service_code": category.key, "attributes": attributes}


def request(row: ItemRow, town: Town, language: str) -> dict[str, Any]:
    category = town.categories.get(row.category)
    department = town.departments.get(row.department)
    return {
        "service_request_id": row.id,
        "status": "open" if row.status in OPEN else "closed",
        "status_notes": row.official_answer or "",
        "service_name": category.names[language] if category else row.category,
        "service_code": row.category,
        "description": f"{row.title}\n\n{row.description}",
        "agency_responsible": department[language] if department else row.department,
        "service_notice": "",
        "requested_datetime": row.submitted_at.isoformat(),
        "updated_datetime": row.updated_at.isoformat(),
        "expected_datetime": None,
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": row.public_latitude,
        "long": row.public_longitude,
        "media_url": "",
    }
