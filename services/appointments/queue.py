"""The day's queue at a location: which part of the desk's list a visit is in, and how long
a newcomer waits. Plain rules, no I/O.

Everyone who is served that day is a visit in one queue: a booked appointment once its
citizen checks in, and a walk-in from the moment the desk gives them a ticket. Each gets
the location's next ticket number of the day; the hall's call display shows that number
and the desk that calls it, never a name.
"""

from __future__ import annotations

import math

from services.appointments import lifecycle

# the parts of the desk's list, in the order the desk works through them
EXPECTED = "expected"
WAITING = "waiting"
CALLED = "called"
SERVED = "served"
NO_SHOW = "no_show"
SECTIONS = (EXPECTED, WAITING, CALLED, SERVED, NO_SHOW)

STATUSES_OF: dict[str, tuple[str, ...]] = {
    EXPECTED: (lifecycle.CONFIRMED,),
    WAITING: (lifecycle.CHECKED_IN,),
    CALLED: (lifecycle.CALLED,),
    SERVED: (lifecycle.COMPLETED,),
    NO_SHOW: (lifecycle.NO_SHOW,),
}
SECTION_OF = {status: section for section, statuses in STATUSES_OF.items() for status in statuses}

# the longest a ticket number gets before the next day starts at 1 again
MAX_TICKET = 9999


def section_of(status: str) -> str | None:
    """The part of the desk's list an appointment in `status` is in; None for one that is
    not on it (held, expired, cancelled)."""
    return SECTION_OF.get(status)


def ticket_label(number: int) -> str:
    """What the call display and the ticket show: three digits at least, easy to read out."""
    return f"{number:03d}"


def next_ticket(last: int) -> int:
    return last % MAX_TICKET + 1


def estimated_wait_minutes(
    ahead: int, average_handling_minutes: float | None, desks: int, planned_minutes: float
) -> int:
    """How long someone joining the queue now waits, from the day's figures.

    Each visit ahead takes as long as today's visits took on average (called to finished:
    `average_handling_minutes`), or the service's planned duration before anyone was served
    (None); `desks` desks work the queue side by side. Rounded up to whole minutes: a screen
    promising too little angers more than one promising too much.
    """
    if ahead <= 0:
        return 0
    per_visit = planned_minutes if average_handling_minutes is None else average_handling_minutes
    return math.ceil(ahead * per_visit / max(desks, 1))
