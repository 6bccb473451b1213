"""The `APPOINTMENTS` configuration section: the fairness rules and the timers' pace."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.settings import from_section


@dataclass(frozen=True)
class AppointmentSettings:
    # how long a slot is held for a citizen to confirm by the e-mailed link
    hold_seconds: int = 600
    # active (held or confirmed, not yet served) appointments per e-mail address or account
    max_active_per_citizen: int = 3
    # a cancelled slot is bookable again only after this: no trading of freed slots
    rebook_delay_seconds: int = 900
    reminder_before_hours: float = 24.0
    # how often holds are expired and reminders sent
    sweep_interval: float = 10.0
    # how often the open slots kept per day (free_days.py) are written anew from the desk
    # time: they follow every booking this release makes, but not the bookings a previous
    # release's pods make while a rollout runs both
    kept_days_rebuild_interval: float = 3600.0
    max_range_days: int = 92
    # where the e-mailed links lead: the citizens' portal
    portal_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_config(cls) -> AppointmentSettings:
        return from_section(cls, "APPOINTMENTS")
