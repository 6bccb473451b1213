"""The administration's catalogue forms: from form fields to what the appointments service's
puts take, and from its refusals back to the fields that caused them.

The page checks nothing the service checks (times, the slot grid, closed days that have
passed, keys): it sends what was typed and shows the service's answer at the field. Only
what cannot travel at all (a number that is no number) is caught here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.portal.pages import Visit

WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)
LOCATION_NUMBERS = ("slot_minutes", "buffer_units", "min_notice_minutes", "max_days_ahead")
RULE_FIELDS = ("start", "end", "valid_from", "valid_until", "every_n_weeks")

Errors = dict[str, list[str]]


@dataclass
class Parsed:
    """What a form gave: the value to send, the page's own errors, and for a location which
    opening row of the form each rule sent came from (the service names rules by index)."""

    value: dict[str, Any]
    errors: Errors = field(default_factory=dict)
    rule_rows: list[int] = field(default_factory=list)


def _number(visit: Visit, name: str, errors: Errors, field_id: str | None = None) -> Any:
    text = visit.value(name)
    try:
        return int(text)
    except ValueError:
        errors[field_id or name] = ["staff.admin.error.number"]
        return text


def location_form(visit: Visit, rows: int) -> Parsed:
    """A location from its form: `rows` opening rows, the last one for a new rule."""
    errors: Errors = {}
    value: dict[str, Any] = {
        "name": visit.value("name"),
        "address": visit.value("address"),
        "department": visit.value("department") or None,  # none: every clerk works its desks
    }
    for name in LOCATION_NUMBERS:
        value[name] = _number(visit, name, errors)
    rules, rule_rows = [], []
    for row in range(rows):
        rule = _rule(visit, row, errors)
        if rule is not None:
            rules.append(rule)
            rule_rows.append(row)
    value["opening_hours"] = rules
    removed = set(visit.form.get("closed_remove", []))
    closed = [day for day in visit.form.get("closed_kept", []) if day not in removed]
    if visit.value("closed_new"):
        closed.append(visit.value("closed_new"))
    value["closed_dates"] = closed
    return Parsed(value, errors, rule_rows)


def _rule(visit: Visit, row: int, errors: Errors) -> dict[str, Any] | None:
    prefix = f"rule-{row}-"
    weekdays = visit.form.get(f"{prefix}weekday", [])
    typed = {name: visit.value(prefix + name) for name in RULE_FIELDS}
    if visit.value(f"{prefix}remove") or not (weekdays or typed["start"] or typed["end"]):
        return None  # removed, or the empty row for a new rule left empty
    rule: dict[str, Any] = {
        "weekdays": _weekdays(visit, prefix),
        "start": typed["start"],
        "end": typed["end"],
        "valid_from": typed["valid_from"] or None,
        "valid_until": typed["valid_until"] or None,
        "every_n_weeks": _number(visit, f"{prefix}every_n_weeks", errors)
        if typed["every_n_weeks"]
        else 1,
    }
    return rule


def _weekdays(visit: Visit, prefix: str) -> list[int]:
    return [int(day) for day in visit.form.get(f"{prefix}weekday", []) if day.isdigit()]


def location_rows(location: dict[str, Any] | None, visit: Visit | None) -> list[dict[str, Any]]:
    """The opening rows to draw: as typed (after a preview or a refusal), else as stored;
    and one empty row for a new rule."""
    if visit is not None and visit.request.method == "POST":
        rows = []
        for row in range(int(visit.value("rule_rows") or 0)):
            prefix = f"rule-{row}-"
            rows.append(
                {
                    "weekdays": [
                        int(d) for d in visit.form.get(f"{prefix}weekday", []) if d.isdigit()
                    ],
                    **{name: visit.value(prefix + name) for name in RULE_FIELDS},
                    "remove": bool(visit.value(f"{prefix}remove")),
                    "new": row == int(visit.value("rule_rows") or 0) - 1,
                }
            )
        return rows
    stored = [
        {
            **{name: rule.get(name) or "" for name in RULE_FIELDS},
            "weekdays": rule["weekdays"],
            "remove": False,
            "new": False,
        }
        for rule in (location or {}).get("opening_hours", [])
    ]
    empty = {name: "" for name in RULE_FIELDS}
    return [*stored, {**empty, "weekdays": [], "every_n_weeks": "1", "remove": False, "new": True}]


def service_form(visit: Visit) -> Parsed:
    errors: Errors = {}
    documents = [line.strip() for line in visit.value("documents").splitlines() if line.strip()]
    value = {
        "name": visit.value("name"),
        "duration_units": _number(visit, "duration_units", errors),
        "documents": documents,
    }
    return Parsed(value, errors)


def capacity_form(visit: Visit) -> Parsed:
    errors: Errors = {}
    value = {
        "desks": _number(visit, "desks", errors),
        "online_desks": _number(visit, "online_desks", errors),
    }
    return Parsed(value, errors)


def refused_fields(
    details: Any, rule_rows: list[int] = (), rules: list[dict[str, Any]] = ()
) -> Errors:
    """The form fields an `invalid_input`'s details name, each with the page's message.

    The service names an opening rule by its place in the list sent; the page names it by
    its row in the form. The slot grid is checked over all the rules; its message names the
    time that is off the grid, and goes to the field that holds it."""
    errors: Errors = {}
    if not isinstance(details, dict):
        return errors
    for name, problem in details.items():
        if name == "opening_hours" and isinstance(problem, dict):
            for index, fields in problem.items():
                row = (
                    rule_rows[int(index)]
                    if str(index).isdigit() and int(index) < len(rule_rows)
                    else 0
                )
                for rule_field in fields if isinstance(fields, dict) else ("start",):
                    errors[f"rule-{row}-{_rule_field(rule_field)}"] = [_message(rule_field)]
        elif name == "opening_hours":
            errors[_off_the_grid(problem, rules, rule_rows)] = ["staff.admin.error.grid"]
        elif name == "closed_dates":
            errors["closed_new"] = ["staff.admin.error.closed_dates"]
        else:
            errors[name] = [_message(name)]
    return errors


def _off_the_grid(messages: Any, rules: list[dict[str, Any]], rule_rows: list[int]) -> str:
    """The field of the first time off the grid ("13:10 is not on the 15-minute grid.")."""
    clock = str(messages[0]).split(" ")[0] if isinstance(messages, list) and messages else ""
    for place, rule in enumerate(rules):
        for side in ("start", "end"):
            if rule.get(side) == clock:
                return f"rule-{_row_of(place, rule_rows)}-{side}"
    return f"rule-{rule_rows[0] if rule_rows else 0}-start"


def _row_of(index: Any, rule_rows: list[int]) -> int:
    """The form row of the rule the service names by its place in the list sent."""
    place = int(index) if str(index).isdigit() else 0
    return rule_rows[place] if place < len(rule_rows) else 0


def _rule_field(name: str) -> str:
    return "weekday" if name == "weekdays" else name


def _message(name: str) -> str:
    known = {
        "start": "staff.admin.error.time",
        "end": "staff.admin.error.time",
        "weekdays": "staff.admin.error.weekdays",
        "valid_until": "staff.admin.error.valid_until",
        "valid_from": "staff.admin.error.date",
        "online_desks": "staff.admin.error.online_desks",
        "slot_minutes": "staff.admin.error.slot_minutes",
        "key": "staff.admin.error.key",
    }
    return known.get(name, "staff.admin.error.field")
