"""The catalogue (services, locations, capacities), appointments and desk time.

Revision ID: appointments_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "appointments_0002"
down_revision = "appointments_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desk_time",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("minute", sa.BigInteger(), nullable=False),
        sa.Column("desk", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.String(length=36), nullable=False),
        sa.Column("free_after", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint(
            "location_id", "offer_id", "minute", "desk", name=op.f("pk_desk_time")
        ),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_desk_time_appointment", "desk_time", ["appointment_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_desk_time_free",
            "desk_time",
            ["location_id", "offer_id", "minute"],
            postgresql_include=["desk", "free_after"],
        )
    op.create_table(
        "fairness_locks",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_fairness_locks")),
    )
    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("buffer_units", sa.Integer(), nullable=False),
        sa.Column("min_notice_minutes", sa.Integer(), nullable=False),
        sa.Column("max_days_ahead", sa.Integer(), nullable=False),
        sa.Column("opening_hours", sa.JSON(), nullable=False),
        sa.Column("closed_dates", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("key", name=op.f("uq_locations_key")),
    )
    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("duration_units", sa.Integer(), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint("key", name=op.f("uq_offers_key")),
    )
    op.create_table(
        "spent_challenges",
        sa.Column("challenge", sa.String(length=128), nullable=False),
        sa.Column("spent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("challenge", name=op.f("pk_spent_challenges")),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("desk", sa.Integer(), nullable=False),
        sa.Column("desk_units", sa.Integer(), nullable=False),
        sa.Column("start_minute", sa.BigInteger(), nullable=False),
        sa.Column("end_minute", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("email_key", sa.String(length=320), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("citizen", sa.String(length=200), nullable=True),
        sa.Column("confirmation_token_hash", sa.String(length=64), nullable=True),
        sa.Column("manage_token_hash", sa.String(length=64), nullable=True),
        sa.Column("hold_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_appointments_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_appointments_offer_id_offers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint(
            "confirmation_token_hash", name=op.f("uq_appointments_confirmation_token_hash")
        ),
        sa.UniqueConstraint("manage_token_hash", name=op.f("uq_appointments_manage_token_hash")),
    )
    op.create_index("ix_appointments_citizen", "appointments", ["citizen", "status"], unique=False)
    op.create_index(
        "ix_appointments_email_key", "appointments", ["email_key", "status"], unique=False
    )
    op.create_index(
        "ix_appointments_location_start",
        "appointments",
        ["location_id", "start_minute"],
        unique=False,
    )
    op.create_index(
        "ix_appointments_status_start", "appointments", ["status", "start_minute"], unique=False
    )
    op.create_table(
        "capacities",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("desks", sa.Integer(), nullable=False),
        sa.Column("online_desks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"], ["locations.id"], name=op.f("fk_capacities_location_id_locations")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_capacities_offer_id_offers")
        ),
        sa.PrimaryKeyConstraint("location_id", "offer_id", name=op.f("pk_capacities")),
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.drop_table("capacities")
    op.drop_table("appointments")
    op.drop_table("spent_challenges")
    op.drop_table("offers")
    op.drop_table("locations")
    op.drop_table("fairness_locks")
    op.drop_table("desk_time")
