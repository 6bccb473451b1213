"""A service's clock, pinned by a test and moved on only when the test says so.

A service reads the time through its module's `now()`; a test replaces it with a `Clock`
(`monkeypatch.setattr(service_module, "now", Clock(moment))`), so what it checks does not
depend on the hour the suite happens to run at.
"""

from __future__ import annotations

from datetime import datetime, timedelta


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)
