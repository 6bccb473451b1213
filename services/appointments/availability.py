"""Free slots of a service at one or every location over a range of local dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from services.appointments.errors import DateInPast, RangeTooLong
from services.appointments.opening import day_bounds, local_date_of, to_minute
from services.appointments.settings import AppointmentSettings
from services.appointments.slots import free_slots
from services.appointments.store import busy_desk_time, placements
from services.appointments.views import iso
from services.common.database import Transaction


def availability(
    tx: Transaction,
    service: str,
    first: date,
    last: date,
    location: str | None,
    settings: AppointmentSettings,
    now: datetime,
) -> dict[str, Any]:
    days = (last - first).days + 1
    if days > settings.max_range_days:
        raise RangeTooLong(
            f"Ask for at most {settings.max_range_days} days at once.",
            {"max_days": settings.max_range_days},
        )
    now_minute = to_minute(now)
    if last < local_date_of(now_minute):
        raise DateInPast("Those days have passed.")
    places = placements(tx.session, service, location)
    first_minute, _ = day_bounds(first)
    # a booking's buffer may reach past midnight into the next day's first minutes
    _, last_minute = day_bounds(last + timedelta(days=1))
    busy = busy_desk_time(
        tx.session,
        places[0].offer_id if places else -1,
        [place.location_id for place in places],
        first_minute,
        last_minute,
        int(now.timestamp()),
    )
    slots = [
        slot
        for place in places
        for slot in free_slots(
            place.location,
            place.offer,
            place.capacity,
            first,
            last,
            busy.get(place.location_id, {}),
            now_minute,
        )
    ]
    slots.sort(key=lambda slot: (slot.start, slot.location))
    return {
        "service": service,
        "date_from": first.isoformat(),
        "date_to": last.isoformat(),
        "slots": [
            {
                "location": slot.location,
                "start": iso(slot.start),
                "end": iso(slot.end),
                "free": slot.free,
            }
            for slot in slots
        ],
    }
