"""A generation per kind of setting that taking an event reads (templates, subscriptions,
preferences): each instance keeps them in memory and reloads one kind when its generation
has moved (services/notifications/lookups.py).

Revision ID: notifications_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "notifications_0006"
down_revision = "notifications_0005"
branch_labels = None
depends_on = None

KINDS = ("templates", "subscriptions", "preferences")


def upgrade() -> None:
    generations = op.create_table(
        "generations",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_generations")),
    )
    op.bulk_insert(generations, [{"kind": kind, "generation": 0} for kind in KINDS])


def downgrade() -> None:
    op.drop_table("generations")
