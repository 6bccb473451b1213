"""Loading RPC input with a marshmallow schema: unknown keys refused, every field's message kept."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError

from services.common.errors import InvalidInput


class Strict(Schema):
    class Meta:
        unknown = RAISE


def load(schema: type[Schema], data: Any, *, partial: bool = False) -> dict[str, Any]:
    try:
        return schema().load(data, partial=partial)
    except ValidationError as error:
        raise InvalidInput("Some fields are not acceptable.", error.normalized_messages()) from None
