"""The applications service's keys move into the shared idempotency table with its
migration: a case submitted with a key before the upgrade is still what that key answers,
and a downgrade gives the cases their keys back."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from services.common.engine import create_service_engine
from services.common.idempotency import Keyed, recall
from services.common.migrations import alembic_config, upgrade
from services.common.settings import derive_database_url

CASE = {
    "id": "0b6f2c1e-5d7a-4f43-9a55-2f1c7e3b9d10",
    "number": "2026-BPA-000001",
    "application_type": "bewohnerparkausweis",
    "citizen": "anna",
    "idempotency_key": "portal-7f3a",
    "contact": "{}",
    "language": "de",
    "form": "{}",
    "submission": "{}",
    "status": "submitted",
    "closed": False,
}


def test_a_key_a_case_was_submitted_with_before_the_upgrade_still_answers_it(database_url):
    url = derive_database_url(database_url, "applications")
    upgrade("applications", url, "applications_0002")
    engine = create_service_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cases (id, number, application_type, citizen, idempotency_key,"
                " contact, language, form, submission, status, closed, submitted_at, due_at,"
                " updated_at) VALUES (:id, :number, :application_type, :citizen,"
                " :idempotency_key, :contact, :language, :form, :submission, :status, :closed,"
                " :now, :now, :now)"
            ),
            {**CASE, "now": now},
        )

    upgrade("applications", url)

    with Session(engine) as session:
        # moved without a fingerprint: as before, the key answers its case whatever comes
        anything = Keyed.of("anna", "case", "portal-7f3a", {"form": {"plate": "SO-AB 1"}})
        assert recall(session, anything) == CASE["id"]
        assert recall(session, Keyed.of("ben", "case", "portal-7f3a", {})) is None
    columns = {column["name"] for column in inspect(engine).get_columns("cases")}
    assert "idempotency_key" not in columns

    command.downgrade(alembic_config("applications", url), "applications_0002")

    with engine.connect() as connection:
        keys = connection.execute(text("SELECT id, idempotency_key FROM cases")).all()
    engine.dispose()
    assert [tuple(row) for row in keys] == [(CASE["id"], "portal-7f3a")]
