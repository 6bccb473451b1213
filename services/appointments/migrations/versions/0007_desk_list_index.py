"""The desk's list reads one part of a location's day from an index in the day's order.

Revision ID: appointments_0007
"""

from alembic import op

revision = "appointments_0007"
down_revision = "appointments_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_appointments_location_status_start",
        "appointments",
        ["location_id", "status", "start_minute"],
    )


def downgrade() -> None:
    op.drop_index("ix_appointments_location_status_start", table_name="appointments")
