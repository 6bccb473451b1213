"""Availability reads each day's open slots as the bookings leave them (free_days), and the
desk time that passes with time from an index of its own; the days of every booking window
are filled from the bookings there are.

Revision ID: appointments_0009
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "appointments_0009"
down_revision = "appointments_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "free_days",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("slots", sa.Text(), nullable=False),
        sa.Column("first_start", sa.BigInteger(), nullable=True),
        sa.Column("starts", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name="fk_free_days_location_id_locations"
        ),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"], name="fk_free_days_offer_id_offers"),
        sa.PrimaryKeyConstraint("location_id", "offer_id", "day", name="pk_free_days"),
    )
    op.create_index(
        "ix_desk_time_passing",
        "desk_time",
        ["location_id", "offer_id", "minute"],
        sqlite_where=sa.text("free_after IS NOT NULL"),
        postgresql_where=sa.text("free_after IS NOT NULL"),
        postgresql_include=["free_after"],
    )
    # the days from today, as the code of this revision computes them
    from services.appointments import free_days
    from services.appointments.opening import local_date_of, to_minute

    session = Session(bind=op.get_bind())
    free_days.fill(session, local_date_of(to_minute(datetime.now(UTC))))
    session.flush()


def downgrade() -> None:
    op.drop_index("ix_desk_time_passing", table_name="desk_time")
    op.drop_table("free_days")
