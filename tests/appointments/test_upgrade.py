"""Upgrading the appointments database keeps what citizens hold: the links already mailed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.appointments import booking
from services.common.migrations import upgrade
from services.common.settings import derive_database_url
from tests.support.databases import database_transaction

CONFIRMED_AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def an_appointment_from_before(url: str, appointment_id: str, manage_token: str) -> None:
    """A confirmed appointment as the database held it when it kept one link per appointment."""
    with database_transaction(url) as connection:
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
                " VALUES (1, 'town-hall', 'Rathaus', 'Am Vreithof 8', 15, 0, 0, 90, '[]', '[]')"
            )
        )
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
