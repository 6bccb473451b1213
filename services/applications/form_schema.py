"""Each application type's form as JSON Schema (draft 2020-12), generated from its marshmallow
form, so that a portal checks what the service will check.

The schema says what loading the form checks: types, required fields, unknown fields refused,
lengths, patterns, choices, ranges, formats and defaults. A rule written as code (a
`@validates` method such as "not in the past") cannot be said in JSON Schema: its field's
description says it, and the service refuses it all the same.

Titles and descriptions come from each field's metadata (`texts(...)`), in German and
English. A schema carries the language asked in `title` and `description` and the other
languages under `x-translations` (an annotation validators ignore and OpenAPI allows), so one
document serves a bilingual portal. The `$id` is the same in every language: the URI that a
case's FIT-Connect-shaped metadata names, where the gateway serves the schema.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import RAISE, Schema, fields, validate

DIALECT = "https://json-schema.org/draft/2020-12/schema"
# where the gateway serves a type's schema; its URI is this under APPLICATIONS.api_url
SCHEMA_PATH = "/api/v1/applications/types/{key}/schema.json"
MEDIA_TYPE = "application/schema+json"
TRANSLATIONS = "x-translations"
TEXTS = "texts"

# a date as RFC 3339 (and so JSON Schema's `date` format) writes it: ASCII digits, nothing else
_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# marshmallow's Regexp matches at the start only; JSON Schema's pattern anywhere
_ANCHORED = re.compile(r"^\^")
_FORMATS: tuple[tuple[type[fields.Field], str], ...] = (
    (fields.Email, "email"),
    (fields.Url, "uri"),
    (fields.UUID, "uuid"),
    (fields.Date, "date"),
    (fields.DateTime, "date-time"),
    (fields.Time, "time"),
)
_NUMBERS: tuple[tuple[type[fields.Field], str], ...] = (
    (fields.Integer, "integer"),
    (fields.Number, "number"),
    (fields.Boolean, "boolean"),
)


class Unsupported(ValueError):
    """A form uses a field or validator this module cannot state in JSON Schema."""


Text = str | tuple[str, str]


def texts(*, de: Text, en: Text) -> dict[str, Any]:
    """A form field's metadata: its title, or its title and what to know when filling it in,
    in German and English: `texts(de="Anschrift", en="Address")`."""

    def entry(text: Text) -> dict[str, str]:
        title, description = (text, None) if isinstance(text, str) else text
        return {"title": title, **({"description": description} if description else {})}

    return {TEXTS: {"de": entry(de), "en": entry(en)}}


class Day(fields.Date):
    """A date as JSON Schema's `date` format has it (2026-12-01); Python also reads
    20261201 and 2026-W49-1 as dates, which a portal validating the schema refuses."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not (isinstance(value, str) and _FULL_DATE.fullmatch(value)):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class WholeNumber(fields.Integer):
    """An integer as JSON Schema's `integer` has it: 2 or 2.0; never "2", 2.5 or true
    (marshmallow's Integer would take "2" and cut 2.5 to 2)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._validated(value)


def schema_uri(api_url: str, key: str) -> str:
    return api_url.rstrip("/") + SCHEMA_PATH.format(key=key)


def generate(
    form: type[Schema], *, uri: str, names: dict[str, str], language: str
) -> dict[str, Any]:
    """The form's JSON Schema with texts in `language`; `names` is the type's name per language."""
    titles = {other: {"title": name} for other, name in names.items()}
    return {
        "$schema": DIALECT,
        "$id": uri,
        **_annotations(titles, language),
        **object_schema(form(), language),
    }


def untitled(schema: Schema, languages: tuple[str, ...], prefix: str = "") -> list[str]:
    """The fields of a form (nested ones as address.street) without a title in every language."""
    missing_titles = []
    for name, field in schema.load_fields.items():
        path = f"{prefix}{field.data_key or name}"
        given = field.metadata.get(TEXTS, {})
        if any("title" not in given.get(language, {}) for language in languages):
            missing_titles.append(path)
        nested = _nested_schema(field)
        if nested is not None:
            missing_titles += untitled(nested, languages, f"{path}.")
    return missing_titles


def object_schema(schema: Schema, language: str) -> dict[str, Any]:
    own = {field.data_key or name: field for name, field in schema.load_fields.items()}
    required = [key for key, field in own.items() if field.required]
    return {
        "type": "object",
        "properties": {key: field_schema(field, language) for key, field in own.items()},
        **({"required": required} if required else {}),
        # EXCLUDE drops unknown fields and INCLUDE keeps them: both accept them
        "additionalProperties": schema.unknown != RAISE,
    }


def field_schema(field: fields.Field, language: str) -> dict[str, Any]:
    schema = _kind(field, language)
    for validator in field.validators:
        schema.update(_constraint(validator, schema))
    if field.allow_none:
        schema = _nullable(schema)
    default = field.load_default
    if default is None or isinstance(default, str | int | float | bool):
        schema["default"] = default
    return {**_annotations(field.metadata.get(TEXTS, {}), language), **schema}


def _annotations(given: dict[str, dict[str, str]], language: str) -> dict[str, Any]:
    others = {other: text for other, text in given.items() if other != language}
    return {**given.get(language, {}), **({TRANSLATIONS: others} if others else {})}


def _kind(field: fields.Field, language: str) -> dict[str, Any]:
    if isinstance(field, fields.Nested):
        item = object_schema(field.schema, language)
        return {"type": "array", "items": item} if field.many else item
    if isinstance(field, fields.List):
        return {"type": "array", "items": field_schema(field.inner, language)}
    if isinstance(field, fields.Dict):
        values = field.value_field
        return {
            "type": "object",
            "additionalProperties": True if values is None else field_schema(values, language),
        }
    if isinstance(field, fields.Constant):
        return {"const": field.constant}
    for kind, name in _FORMATS:
        if isinstance(field, kind):
            if getattr(field, "format", None) not in (None, "iso"):
                raise Unsupported(f"{type(field).__name__} with format {field.format!r}")
            return {"type": "string", "format": name}
    if isinstance(field, fields.String):
        return {"type": "string"}
    for kind, name in _NUMBERS:
        if isinstance(field, kind):
            return {"type": name}
    if type(field) is fields.Raw:
        return {}
    raise Unsupported(f"the field kind {type(field).__name__}")


def _nested_schema(field: fields.Field) -> Schema | None:
    inner = field.inner if isinstance(field, fields.List) else field
    return inner.schema if isinstance(inner, fields.Nested) else None


def _constraint(validator: Any, schema: dict[str, Any]) -> dict[str, Any]:
    if isinstance(validator, validate.Length):
        return _length(validator, schema.get("type"))
    if isinstance(validator, validate.Range):
        return _range(validator)
    # a list's every item among (or none among) the choices: checked before their bases
    if isinstance(validator, validate.ContainsOnly):
        return {"items": {**schema.get("items", {}), "enum": list(validator.choices)}}
    if isinstance(validator, validate.ContainsNoneOf):
        return {"items": {**schema.get("items", {}), "not": {"enum": list(validator.iterable)}}}
    if isinstance(validator, validate.OneOf):
        return {"enum": list(validator.choices)}
    if isinstance(validator, validate.NoneOf):
        return {"not": {"enum": list(validator.iterable)}}
    if isinstance(validator, validate.Equal):
        return {"const": validator.comparable}
    if isinstance(validator, validate.Regexp):
        return {"pattern": _pattern(validator.regex)}
    if isinstance(validator, validate.Email | validate.URL):
        return {}  # the field's format says it
    if isinstance(validator, validate.Validator):
        raise Unsupported(f"the validator {type(validator).__name__}")
    # a rule written as a function: like a @validates method, its field's description says it
    return {}


_LENGTH_KEYWORDS = {
    "string": ("minLength", "maxLength"),
    "array": ("minItems", "maxItems"),
    "object": ("minProperties", "maxProperties"),
}


def _length(validator: validate.Length, kind: str | None) -> dict[str, Any]:
    if kind not in _LENGTH_KEYWORDS:
        raise Unsupported(f"a length on a field of type {kind}")
    low, high = _LENGTH_KEYWORDS[kind]
    if validator.equal is not None:
        return {low: validator.equal, high: validator.equal}
    bounds = {low: validator.min, high: validator.max}
    return {keyword: value for keyword, value in bounds.items() if value is not None}


def _range(validator: validate.Range) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    if validator.min is not None:
        bounds["minimum" if validator.min_inclusive else "exclusiveMinimum"] = validator.min
    if validator.max is not None:
        bounds["maximum" if validator.max_inclusive else "exclusiveMaximum"] = validator.max
    return bounds


def _pattern(regex: re.Pattern[str]) -> str:
    if regex.flags & ~re.UNICODE:
        raise Unsupported(f"the pattern {regex.pattern!r} with flags")
    return regex.pattern if _ANCHORED.match(regex.pattern) else f"^(?:{regex.pattern})"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "type" not in schema:
        return schema  # no type: null is allowed already (Raw)
    nullable = {**schema, "type": [schema["type"], "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable
