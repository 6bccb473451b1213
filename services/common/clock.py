"""The clock a use case reads: a function that answers the current instant in UTC.

Use cases take it as an argument, so a test pins time by passing `lambda: instant`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)
