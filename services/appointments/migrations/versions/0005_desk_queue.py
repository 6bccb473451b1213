"""The day's queue at the desk: tickets, walk-ins and the desk that called.

Revision ID: appointments_0005
"""

import sqlalchemy as sa
from alembic import op

revision = "appointments_0005"
down_revision = "appointments_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMNs: a batch would copy the table on SQLite, which the rows pointing at
    # appointments (desk time, manage links) forbid
    op.add_column(
        "appointments",
        sa.Column("walk_in", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("appointments", sa.Column("ticket", sa.Integer(), nullable=True))
    op.add_column("appointments", sa.Column("called_desk", sa.Integer(), nullable=True))
    op.create_table(
        "ticket_counters",
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_ticket_counters_location_id_locations"),
        ),
        sa.PrimaryKeyConstraint("location_id", "day", name=op.f("pk_ticket_counters")),
    )


def downgrade() -> None:
    op.drop_table("ticket_counters")
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.drop_column("called_desk")
        batch_op.drop_column("ticket")
        batch_op.drop_column("walk_in")
