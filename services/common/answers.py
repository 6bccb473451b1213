"""A service's answers in the shape it declares: `@rpc(answers=CaseView)`.

The service owns its output schema and dumps every answer through it, so the gateway, the
portal and the OpenAPI document refer to one description instead of restating it. Dumping
alone would drop a field the service added but the schema does not name, and leave out one
it names but the answer lacks: both are the service's mistake, found here. Where
`RPC_STRICT_ANSWERS` is on (the default; production turns it off) such an answer fails the
call, so every test that calls an RPC also checks its contract; where it is off, the answer
is dumped and the mismatch logged.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar

from marshmallow import Schema, fields
from nameko import config

from services.common.logging import get_logger

log = get_logger(__name__)


class Answer(Schema):
    """An answer's schema: every field is in every answer, but those in `optional` (shown
    to some callers only, or in one of an answer's two shapes)."""

    optional: ClassVar[frozenset[str]] = frozenset()

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        field_obj.required = field_name not in self.optional


def doc(text: str) -> dict[str, str]:
    """A field's description, for the RPC catalogue and the OpenAPI document."""
    return {"description": text}


class AnswerOutOfContract(Exception):
    """An answer does not have the shape its RPC declares."""


@functools.cache
def _schema(schema: type[Schema], many: bool) -> Schema:
    return schema(many=many)


def strict() -> bool:
    return bool(config.get("RPC_STRICT_ANSWERS", True))


def answer(schema: type[Schema], value: Any, *, many: bool = False, where: str = "") -> Any:
    """`value` dumped through `schema`; a mismatch raises (strict) or is logged."""
    problems = mismatches(_schema(schema, False), value, many=many)
    if problems:
        if strict():
            raise AnswerOutOfContract(f"{where}: {'; '.join(problems)}")
        log.error("rpc_answer_out_of_contract", entrypoint=where, problems=problems)
    return _schema(schema, many).dump(value)


def mismatches(schema: Schema, value: Any, *, many: bool = False, path: str = "") -> list[str]:
    """What in `value` the schema does not describe, and the required fields it lacks."""
    if many:
        if not isinstance(value, list | tuple):
            return [f"{path or 'answer'} is not a list"]
        return [
            p for i, item in enumerate(value) for p in mismatches(schema, item, path=f"{path}[{i}]")
        ]
    if not isinstance(value, Mapping):
        return [f"{path or 'answer'} is not an object"]
    problems = [
        f"{path}.{key} is not in {type(schema).__name__}"
        for key in value
        if key not in schema.fields
    ]
    for name, field in schema.fields.items():
        if name not in value:
            if field.required:
                problems.append(f"{path}.{name} is missing")
            continue
        problems.extend(_nested(field, value[name], f"{path}.{name}"))
    return problems


def _nested(field: fields.Field, value: Any, path: str) -> list[str]:
    if value is None:
        return []
    if isinstance(field, fields.Nested):
        return mismatches(field.schema, value, many=bool(field.many), path=path)
    if isinstance(field, fields.List) and isinstance(field.inner, fields.Nested):
        if not isinstance(value, list | tuple):
            return [f"{path} is not a list"]
        return [
            p for i, item in enumerate(value) for p in _nested(field.inner, item, f"{path}[{i}]")
        ]
    return []
