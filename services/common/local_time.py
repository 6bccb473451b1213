"""The office's time zone: what citizens read on their letters, mails and figures."""

from __future__ import annotations

from zoneinfo import ZoneInfo

OFFICE_TIMEZONE = ZoneInfo("Europe/Berlin")
