"""One keyset cursor for every paged list, with one refusal: `invalid_cursor` (400).

A page ends with the sort values of its last row; the cursor is those values, opaque to
the caller (base64url of JSON), and the next page holds the rows after them in the list's
order. Paging by value and not by offset keeps a page's cost flat however deep it is and
skips nothing when rows arrive in between. A cursor this list did not give is refused.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import Session

from services.common.errors import ServiceError, service_error


@service_error("invalid_cursor", 400)
class InvalidCursor(ServiceError):
    """A page's cursor is not one this list gave."""


_INSTANT = "@"  # marks an instant among a cursor's values, which JSON has no type for


def encode_cursor(values: Sequence[Any]) -> str:
    plain = [[_INSTANT, v.isoformat()] if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(plain, list) or len(plain) != arity:
            raise ValueError("wrong shape")
        return [_value(item) for item in plain]
    except (ValueError, TypeError, binascii.Error, UnicodeError):
        raise InvalidCursor(
            "The cursor is not one this list gave; start again without it.",
            {"cursor": ["Unknown."]},
        ) from None


def _value(item: Any) -> Any:
    if isinstance(item, list):
        if len(item) != 2 or item[0] != _INSTANT:
            raise ValueError("not a cursor value")
        return datetime.fromisoformat(item[1])
    if isinstance(item, dict):
        raise ValueError("not a cursor value")
    return item


@dataclass(frozen=True)
class Keyset:
    """A list's order by unique columns (the last one decides ties), and its pages."""

    columns: tuple[Any, ...]  # mapped attributes, e.g. (Row.created_at, Row.id)
    descending: bool = True

    def after(self, values: Sequence[Any]) -> Any:
        """Rows that come after `values` in this order."""
        clauses = []
        for index, column in enumerate(self.columns):
            beyond = column < values[index] if self.descending else column > values[index]
            equal = [c == v for c, v in zip(self.columns[:index], values[:index], strict=True)]
            clauses.append(and_(*equal, beyond))
        return or_(*clauses)

    def order(self) -> list[Any]:
        return [c.desc() if self.descending else c.asc() for c in self.columns]

    def page(
        self, session: Session, statement: Select, cursor: str | None, limit: int
    ) -> tuple[list[Any], str | None]:
        """One page of `statement`'s rows and the cursor of the next (None on the last)."""
        if cursor:
            statement = statement.where(self.after(decode_cursor(cursor, len(self.columns))))
        rows = list(session.scalars(statement.order_by(*self.order()).limit(limit + 1)))
        page = rows[:limit]
        more = len(rows) > limit and page
        return page, (self.cursor_of(page[-1]) if more else None)

    def cursor_of(self, row: Any) -> str:
        return encode_cursor([getattr(row, column.key) for column in self.columns])
