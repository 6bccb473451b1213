"""The appointments service's errors: each a code a portal can act on, and its HTTP status."""

from __future__ import annotations

from services.common.challenges import ChallengeSpent  # noqa: F401 (a booking's error too)
from services.common.errors import ServiceError, service_error


@service_error("unknown_service", 404)
class UnknownService(ServiceError):
    """No service with that key is offered."""


@service_error("unknown_location", 404)
class UnknownLocation(ServiceError):
    """No location with that key exists."""


@service_error("date_in_past", 400)
class DateInPast(ServiceError):
    """The date or time asked for has passed."""


@service_error("outside_booking_window", 400)
class OutsideBookingWindow(ServiceError):
    """Too soon (minimum notice) or too far ahead (maximum days ahead) to book."""


@service_error("slot_not_offered", 400)
class SlotNotOffered(ServiceError):
    """No such slot: outside the opening hours, on a closed day, or not on the slot grid."""


@service_error("range_too_long", 400)
class RangeTooLong(ServiceError):
    """An availability query over more days than one answer may cover."""


@service_error("slot_taken", 409)
class SlotTaken(ServiceError):
    """Every place in the slot is taken (or held, or waits out the re-booking delay)."""


@service_error("too_many_appointments", 409)
class TooManyAppointments(ServiceError):
    """The citizen (by e-mail address or account) has as many active appointments as allowed."""


@service_error("hold_expired", 410)
class HoldExpired(ServiceError):
    """The hold was not confirmed in time; its slot went back to everyone."""


@service_error("invalid_link", 404)
class InvalidLink(ServiceError):
    """A token that is wrong or used up; deliberately says nothing more."""


@service_error("not_your_appointment", 404)
class NotYourAppointment(ServiceError):
    """No appointment of the caller's with that id (whether it exists is not told)."""


@service_error("slot_length_in_use", 409)
class SlotLengthInUse(ServiceError):
    """A location's slot length cannot change while future appointments are booked on it."""


@service_error("nobody_waiting", 409)
class NobodyWaiting(ServiceError):
    """Nobody who checked in waits to be called at the location today."""


@service_error("no_such_desk", 400)
class NoSuchDesk(ServiceError):
    """The location has no desk with that number (desks count from 1)."""
