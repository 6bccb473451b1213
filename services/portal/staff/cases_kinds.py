"""The application types as the staff's case pages read them: kept a short while per language.

Every worklist page and every case shows type names, statuses and forms, and the types
change only when the applications service starts with another types.yaml. Asking for them
(with their forms' schemas) on each page cost an RPC per page; a gateway process keeps the
answer per language for FRESH_SECONDS, so a new type shows on its pages within that time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

FRESH_SECONDS = 60.0

Kinds = dict[str, dict[str, Any]]  # key -> the type as `application_types` describes it


class RecentKinds:
    """The last answer per language, and when it is too old to show."""

    def __init__(
        self, fresh_seconds: float = FRESH_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.fresh_seconds = fresh_seconds
        self.clock = clock
        self.kept: dict[str, tuple[float, Kinds]] = {}

    def of(self, language: str, ask: Callable[[str], list[dict[str, Any]]]) -> Kinds:
        """The types in `language`, asked with `ask` when none are kept or they are stale."""
        now = self.clock()
        kept = self.kept.get(language)
        if kept is not None and now < kept[0]:
            return kept[1]
        kinds = {kind["key"]: kind for kind in ask(language)}
        self.kept[language] = (now + self.fresh_seconds, kinds)
        return kinds


# one per gateway process: every worker's pages share it
RECENT_KINDS = RecentKinds()
