"""Manage links of their own: every link mailed for an appointment keeps reaching it.

The single `appointments.manage_token_hash` gave way to a row per link mailed; each
appointment's link from before keeps working.

Revision ID: appointments_0003
"""

import sqlalchemy as sa
from alembic import op

from services.common.tables import UtcDateTime

revision = "appointments_0003"
down_revision = "appointments_0002"
branch_labels = None
depends_on = None


# the columns this migration reads, as they were
_appointments = sa.table(
    "appointments",
    sa.column("id", sa.String),
    sa.column("manage_token_hash", sa.String),
    sa.column("created_at", UtcDateTime),
    sa.column("confirmed_at", UtcDateTime),
)


def upgrade() -> None:
    links = (
        op.get_bind()
        .execute(
            sa.select(
                _appointments.c.manage_token_hash,
                _appointments.c.id,
                sa.func.coalesce(
                    _appointments.c.confirmed_at, _appointments.c.created_at, type_=UtcDateTime
                ),
            ).where(_appointments.c.manage_token_hash.is_not(None))
        )
        .all()
    )
    # first, while nothing refers to the table SQLite copies to drop a column
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.drop_constraint(op.f("uq_appointments_manage_token_hash"), type_="unique")
        batch_op.drop_column("manage_token_hash")
    manage_links = op.create_table(
        "manage_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("appointment_id", sa.String(length=36), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_manage_links_appointment_id_appointments"),
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_manage_links")),
    )
    op.create_index(
        op.f("ix_manage_links_appointment_id"), "manage_links", ["appointment_id"], unique=False
    )
    if links:
        op.bulk_insert(
            manage_links,
            [
                {"token_hash": token_hash, "appointment_id": appointment_id, "issued_at": at}
                for token_hash, appointment_id, at in links
            ],
        )


def downgrade() -> None:
    bind = op.get_bind()
    # an appointment keeps its newest link; the older ones stop working
    newest = bind.execute(
        sa.text("SELECT appointment_id, token_hash FROM manage_links ORDER BY issued_at")
    ).all()
    op.drop_index(op.f("ix_manage_links_appointment_id"), table_name="manage_links")
    op.drop_table("manage_links")
    with op.batch_alter_table("appointments") as batch_op:
        batch_op.add_column(sa.Column("manage_token_hash", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            op.f("uq_appointments_manage_token_hash"), ["manage_token_hash"]
        )
    for appointment_id, token_hash in dict(newest).items():  # the last one per appointment
        bind.execute(
            sa.update(_appointments)
            .where(_appointments.c.id == appointment_id)
            .values(manage_token_hash=token_hash)
        )
