"""A form drawn from a JSON Schema (draft 2020-12), read back into the JSON it describes.

An application type publishes its form as JSON Schema with titles in the language asked;
the portal draws it from there, so a new type needs no page of its own. Strings, numbers,
dates, choices (radios, or a select when there are many), yes/no (a checkbox), nested
objects (a fieldset) and lists of objects (a fieldset per row, and a plain submit button
that adds a row) are drawn. Nothing is checked here: the applications service checks the
form and names every failing field, and `errors_at` puts each message at its field.
Field names are paths (`form.dogs.0.chip_number`), the same the service's details name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# choices up to this many are radios; more are a select
MAX_RADIOS = 6
# how many rows a list without maxItems may have
MAX_ROWS = 20
# what the service says -> the portal's message key; anything else is "not acceptable"
MESSAGES = {
    "Missing data for required field.": "form.required",
    "Field may not be null.": "form.required",
    "Not a valid date.": "applications.error.date",
    "Not a valid integer.": "applications.error.number",
    "Not a valid number.": "applications.error.number",
    "Not a valid email address.": "form.email",
    "Not a valid boolean.": "form.invalid",
}


@dataclass
class Field:
    path: str
    kind: str  # text, textarea, date, email, number, choice, boolean, group, list, row
    title: str = ""
    description: str = ""
    required: bool = False
    value: Any = None
    choices: list[Any] = field(default_factory=list)
    widget: str = ""  # radios or select, for a choice
    children: list[Field] = field(default_factory=list)
    rows: int = 0
    can_add: bool = False

    @property
    def id(self) -> str:
        return "field-" + self.path.replace(".", "-")


def fields_of(
    schema: dict[str, Any], data: Any, prefix: str = "form.", added: str | None = None
) -> list[Field]:
    """The fields of an object schema, holding `data`; `added` names a list given a row."""
    data = data if isinstance(data, dict) else {}
    required = set(schema.get("required", ()))
    return [
        _field(prop, data.get(name), f"{prefix}{name}", name in required, added)
        for name, prop in schema.get("properties", {}).items()
    ]


def _field(prop: dict, value: Any, path: str, required: bool, added: str | None) -> Field:
    kinds = prop.get("type", "string")
    kinds = [kinds] if isinstance(kinds, str) else [k for k in kinds if k != "null"]
    kind = kinds[0] if kinds else "string"
    made = Field(path, "text", prop.get("title", path), prop.get("description", ""), required)
    if kind == "object":
        made.kind, made.children = "group", fields_of(prop, value, path + ".", added)
    elif kind == "array" and prop.get("items", {}).get("type") == "object":
        _rows(made, prop, value if isinstance(value, list) else [], added)
    elif "enum" in prop:
        made.kind, made.value = "choice", value
        made.choices = list(prop["enum"])
        made.widget = "radios" if len(made.choices) <= MAX_RADIOS else "select"
        made.description = ""  # it spells out the values, which the labels now name
    elif kind == "boolean":
        made.kind, made.value = "boolean", bool(value)
    else:
        made.kind, made.value = _input_kind(kind, prop), value
    return made


def _rows(made: Field, prop: dict, items: list, added: str | None) -> None:
    most = int(prop.get("maxItems", MAX_ROWS))
    rows = max(len(items), int(prop.get("minItems", 1)), 1) + (1 if added == made.path else 0)
    made.kind, made.rows = "list", min(rows, most)
    made.can_add = made.rows < most
    made.children = [
        Field(
            f"{made.path}.{index}",
            "row",
            children=fields_of(
                prop["items"], items[index] if index < len(items) else {}, f"{made.path}.{index}."
            ),
        )
        for index in range(made.rows)
    ]


def _input_kind(kind: str, prop: dict) -> str:
    if kind in ("integer", "number"):
        return "number"
    if prop.get("format") in ("date", "email"):
        return prop["format"]
    return "textarea" if int(prop.get("maxLength", 0)) > 500 else "text"


def read_form(schema: dict[str, Any], value: Callable[[str], str], prefix: str = "form.") -> dict:
    """The JSON the posted fields spell; a field left empty is left out, as JSON Schema
    reads a missing optional field; what cannot be read is kept as written."""
    read: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        found = _read(prop, value, path)
        if found is not _EMPTY:
            read[name] = found
    return read


_EMPTY = object()


def _read(prop: dict, value: Callable[[str], str], path: str) -> Any:
    kinds = prop.get("type", "string")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if "object" in kinds:
        nested = read_form(prop, value, path + ".")
        return nested or _EMPTY
    if "array" in kinds and prop.get("items", {}).get("type") == "object":
        return _read_rows(prop, value, path)
    if "boolean" in kinds:
        return value(path) == "true"
    written = value(path)
    if written == "":
        return None if "enum" in prop and None in prop["enum"] else _EMPTY
    if "integer" in kinds or "number" in kinds:
        return _number(written, integer="integer" in kinds)
    return written


def _read_rows(prop: dict, value: Callable[[str], str], path: str) -> Any:
    try:
        rows = min(int(value(f"{path}.rows") or 0), int(prop.get("maxItems", MAX_ROWS)))
    except ValueError:
        rows = 0
    items = [read_form(prop["items"], value, f"{path}.{index}.") for index in range(rows)]
    kept = [item for item in items if item]  # a row left blank is no row
    return kept or _EMPTY


def _number(written: str, *, integer: bool) -> Any:
    try:
        return int(written) if integer else float(written.replace(",", "."))
    except ValueError:
        return written  # the service names it, and the citizen sees it as they wrote it


def errors_at(details: Any, prefix: str = "") -> dict[str, list[str]]:
    """The service's details (field -> messages, nested for objects and list rows) as
    message keys by field path."""
    found: dict[str, list[str]] = {}
    if isinstance(details, dict):
        for name, nested in details.items():
            path = prefix if name == "_schema" else f"{prefix}.{name}".lstrip(".")
            for at, keys in errors_at(nested, path).items():
                found.setdefault(at, []).extend(keys)
    elif isinstance(details, list):
        messages = [m for m in details if isinstance(m, str)]
        if messages:
            found[prefix] = [MESSAGES.get(message, "form.invalid") for message in messages]
    return found


def choice_key(value: Any) -> str:
    """The key of a choice's label: `applications.choice.<value>`."""
    return f"applications.choice.{value if value is not None else 'none'}"


def labels(fields: list[Field], within: str = "") -> dict[str, str]:
    """Each field's path -> what the error summary calls it (a row's fields name the row)."""
    found: dict[str, str] = {}
    for made in fields:
        title = f"{within}{made.title}" if made.kind != "row" else within
        found[made.path] = title.rstrip(": ") or made.path
        if made.kind == "list":
            for index, row in enumerate(made.children, start=1):
                found[row.path] = f"{made.title} {index}"
                found.update(labels(row.children, f"{made.title} {index}: "))
        elif made.kind == "group":
            found.update(labels(made.children, f"{made.title}: "))
    return found
