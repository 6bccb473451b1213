"""The idempotency keys of reports, ideas, comments and official answers
(services/common/idempotency.py).

Revision ID: feedback_0003
"""

from services.common.migrations import create_idempotency_table, drop_idempotency_table

revision = "feedback_0003"
down_revision = "feedback_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table()


def downgrade() -> None:
    drop_idempotency_table()
