"""Inbox items name their owner's kind (account, role, department) beside its name, so no
subject can name a shared queue; items written as role:<role> / department:<name> move over.

Revision ID: notifications_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "notifications_0003"
down_revision = "notifications_0002"
branch_labels = None
depends_on = None

ITEMS = sa.table("inbox_items", sa.column("owner_kind", sa.String), sa.column("owner", sa.String))
# the prefixes the owner used to carry, by the kind they stood for
PREFIXES = {"role": "role:", "department": "department:"}


def upgrade() -> None:
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("owner_kind", sa.String(length=20), nullable=False, server_default="account")
        )
        # dropped before the names lose their prefixes: `clerk` may then be there twice
        batch_op.drop_index("uq_inbox_items_owner_event")
        batch_op.drop_index("ix_inbox_items_owner")
    for kind, prefix in PREFIXES.items():
        op.execute(
            ITEMS.update()
            .where(ITEMS.c.owner.like(f"{prefix}%"))
            .values(owner_kind=kind, owner=sa.func.substr(ITEMS.c.owner, len(prefix) + 1))
        )
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.alter_column("owner_kind", server_default=None)
        batch_op.create_index(
            "ix_inbox_items_owner", ["owner_kind", "owner", "created_at"], unique=False
        )
        batch_op.create_index(
            "uq_inbox_items_owner_event", ["owner_kind", "owner", "event_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.drop_index("uq_inbox_items_owner_event")
        batch_op.drop_index("ix_inbox_items_owner")
    for kind, prefix in PREFIXES.items():
        op.execute(
            ITEMS.update()
            .where(ITEMS.c.owner_kind == kind)
            .values(owner=sa.literal(prefix) + ITEMS.c.owner)
        )
    with op.batch_alter_table("inbox_items", schema=None) as batch_op:
        batch_op.drop_column("owner_kind")
        batch_op.create_index("ix_inbox_items_owner", ["owner", "created_at"], unique=False)
        batch_op.create_index("uq_inbox_items_owner_event", ["owner", "event_id"], unique=True)
