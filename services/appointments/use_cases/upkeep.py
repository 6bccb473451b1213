"""What the timers keep in order: lapsed holds, due reminders, spent challenges."""

from __future__ import annotations

from services.appointments import booking
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
