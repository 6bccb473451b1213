"""What a portal does with a form schema, and the service's refusals as field paths, so that
tests compare the two field by field."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

Path = tuple[str | int, ...]


def validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    """A Draft 2020-12 validator that checks formats (date, email ...) too."""
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def fields_the_schema_refuses(schema: dict[str, Any], form: Any) -> set[Path]:
    """Each field the schema refuses; a missing or unknown one by its own name."""
    refused: set[Path] = set()
    for error in validator_for(schema).iter_errors(form):
        path = tuple(error.absolute_path)
        if error.validator == "required":
            missing = [name for name in error.validator_value if name not in error.instance]
            refused |= {(*path, name) for name in missing}
        elif error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            refused |= {(*path, name) for name in error.instance if name not in known}
        else:
            refused.add(path)
    return refused


def paths_in(messages: Any, prefix: Path = ()) -> set[Path]:
    """marshmallow's messages as field paths: {"dogs": {0: {"born": [...]}}} -> dogs.0.born"""
    if isinstance(messages, list):
        return {prefix}
    paths: set[Path] = set()
    for key, inner in messages.items():
        paths |= paths_in(inner, prefix if key == "_schema" else (*prefix, key))
    return paths
