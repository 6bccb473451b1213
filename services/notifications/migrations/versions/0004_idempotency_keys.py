"""The idempotency keys of webhook subscriptions and template versions
(services/common/idempotency.py).

Revision ID: notifications_0004
"""

from services.common.migrations import create_idempotency_table, drop_idempotency_table

revision = "notifications_0004"
down_revision = "notifications_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table()


def downgrade() -> None:
    drop_idempotency_table()
