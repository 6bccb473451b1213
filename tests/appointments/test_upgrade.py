"""Upgrading the appointments database keeps what citizens hold: the links already mailed,
and the places their bookings take in the open slots kept per day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from services.appointments import availability, booking
from services.appointments.models import FreeDay
from services.appointments.opening import (
    is_public_holiday,
    local_date_of,
    local_minute,
    to_minute,
)
from services.appointments.settings import AppointmentSettings
from services.common.database import Transaction
from services.common.migrations import upgrade
from services.common.settings import derive_database_url
from tests.support.databases import database_transaction

CONFIRMED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SETTINGS = AppointmentSettings()


def the_id_card_at_the_town_hall(connection, *, max_days_ahead: int, opening_hours: str) -> None:
    """The ID card offered at the town hall (ids 1), as the catalogue tables held them."""
    connection.execute(
        text(
            "INSERT INTO offers (id, key, name, duration_units, documents)"
            " VALUES (1, 'id-card', 'Personalausweis', 2, '[]')"
        )
    )
    connection.execute(
        text(
            "INSERT INTO locations (id, key, name, address, slot_minutes, buffer_units,"
            " min_notice_minutes, max_days_ahead, opening_hours, closed_dates)"
            " VALUES (1, 'town-hall', 'Rathaus', 'Am Vreithof 8', 15, 0, 0, :days, :hours, '[]')"
        ),
        {"days": max_days_ahead, "hours": opening_hours},
    )


def an_appointment_from_before(url: str, appointment_id: str, manage_token: str) -> None:
    """A confirmed appointment as the database held it when it kept one link per appointment."""
    with database_transaction(url) as connection:
        the_id_card_at_the_town_hall(connection, max_days_ahead=90, opening_hours="[]")
        connection.execute(
            text(
                "INSERT INTO appointments (id, offer_id, location_id, desk, desk_units,"
                " start_minute, end_minute, status, name, email, email_key, language,"
                " manage_token_hash, created_at, confirmed_at, sequence)"
                " VALUES (:id, 1, 1, 0, 2, 29900000, 29900030, 'confirmed', 'Erika',"
                " 'erika@example.org', 'erika@example.org', 'de', :hash, :at, :at, 0)"
            ),
            {"id": appointment_id, "hash": booking.digest(manage_token), "at": CONFIRMED_AT},
        )


def test_a_manage_link_mailed_before_the_upgrade_still_reaches_its_appointment(database_url):
    url = derive_database_url(database_url, "appointments")
    upgrade("appointments", url, "appointments_0002")
    an_appointment_from_before(url, "3f1c9a2e-0000-4000-8000-000000000001", "mailed-in-november")

    upgrade("appointments", url)

    with database_transaction(url) as connection:
        row = booking.by_manage_token(Session(connection), "mailed-in-november")
    assert (row.id, row.status) == ("3f1c9a2e-0000-4000-8000-000000000001", "confirmed")


def a_booking_from_before_the_kept_days(url: str, start: int) -> None:
    """A location open every day 08:00-18:00 with one desk for the ID card, booked at
    `start` (epoch minutes): its two desk minutes, as booking.py wrote them."""
    hours = '[{"weekdays": [1, 2, 3, 4, 5, 6, 7], "start": "08:00", "end": "18:00"}]'
    with database_transaction(url) as connection:
        the_id_card_at_the_town_hall(connection, max_days_ahead=30, opening_hours=hours)
        connection.execute(
            text(
                "INSERT INTO capacities (location_id, offer_id, desks, online_desks)"
                " VALUES (1, 1, 1, 1)"
            )
        )
        for minute in (start, start + 15):
            connection.execute(
                text(
                    "INSERT INTO desk_time (location_id, offer_id, minute, desk, appointment_id,"
                    " free_after) VALUES (1, 1, :minute, 0, 'booked-before', NULL)"
                ),
                {"minute": minute},
            )


def test_the_upgrade_keeps_the_open_slots_of_every_day_ahead_from_the_bookings_there_are(
    database_url,
):
    url = derive_database_url(database_url, "appointments")
    upgrade("appointments", url, "appointments_0008")
    now = datetime.now(UTC)
    tomorrow = local_date_of(to_minute(now)) + timedelta(days=1)
    while is_public_holiday(tomorrow):  # the office is open on every other day
        tomorrow += timedelta(days=1)
    a_booking_from_before_the_kept_days(url, local_minute(tomorrow, 10 * 60))

    upgrade("appointments", url)

    with database_transaction(url) as connection:
        session = Session(connection)
        kept = session.scalar(select(func.count()).select_from(FreeDay))
        tx = Transaction(session, "appointments", None)
        asked = ("id-card", tomorrow, tomorrow + timedelta(days=6), None, SETTINGS, now)
        answer = availability.availability(tx, *asked)
        assert answer == availability.availability_in_full(tx, *asked)
    assert kept == 31  # today and the 30 days ahead
    [day, *_] = answer["locations"][0]["days"]
    assert day["date"] == tomorrow.isoformat()
    # 30 minutes from 09:45 or 10:15 would meet the booking from 10:00 to 10:30
    assert [time in day["times"] for time in ("09:30", "09:45", "10:00", "10:15", "10:30")] == [
        True,
        False,
        False,
        False,
        True,
    ]
