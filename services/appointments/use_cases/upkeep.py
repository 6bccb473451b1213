"""What the timers keep in order: lapsed holds, due reminders, spent challenges, the days
that come into the booking window."""

from __future__ import annotations

from services.appointments import booking, free_days
from services.appointments.opening import local_date_of, to_minute
from services.appointments.settings import AppointmentSettings
from services.common import challenges
from services.common.clock import Clock
from services.common.database import UnitOfWork


def sweep(uow: UnitOfWork, clock: Clock, settings: AppointmentSettings) -> None:
    """Expire unconfirmed holds and send due reminders, each once whichever instance runs
    it; one transaction each, so that a failing reminder leaves the expiries done."""
    moment = clock()
    with uow.transaction() as tx:
        booking.expire_holds(tx, moment)
    with uow.transaction() as tx:
        booking.send_reminders(tx, settings, moment)
    with uow.transaction() as tx:
        booking.forget_spent_challenges(tx.session, moment - challenges.SPENT_KEPT)
    with uow.transaction() as tx:
        free_days.fill(tx.session, local_date_of(to_minute(moment)))


def rebuild_kept_days(uow: UnitOfWork, clock: Clock) -> None:
    """Every day of every booking window anew, one service at one location at a time."""
    today = local_date_of(to_minute(clock()))
    with uow.transaction() as tx:
        places = free_days.placed(tx.session)
    for offer_id, location_id in places:
        with uow.transaction() as tx:
            free_days.rebuild(tx.session, today, offer_id=offer_id, location_id=location_id)
