"""The idempotency keys of uploads started and letters made (services/common/idempotency.py).

Revision ID: documents_0003
"""

from services.common.migrations import create_idempotency_table, drop_idempotency_table

revision = "documents_0003"
down_revision = "documents_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table()


def downgrade() -> None:
    drop_idempotency_table()
