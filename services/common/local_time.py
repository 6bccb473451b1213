"""The office's time zone: what citizens read on their letters, mails and figures."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.common import clock

OFFICE_TIMEZONE = ZoneInfo("Europe/Berlin")


def office_today(now: datetime | None = None) -> date:
    """The office's calendar day at `now` (this instant by default): from 23:00 UTC in winter
    the town hall already counts the next day, whatever zone the machine runs in."""
    return (now or clock.system_clock()).astimezone(OFFICE_TIMEZONE).date()
