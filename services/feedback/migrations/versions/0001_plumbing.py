"""The outbox and inbox tables.

Revision ID: feedback_0001
"""

from services.common.migrations import create_plumbing_tables, drop_plumbing_tables

revision = "feedback_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_plumbing_tables()


def downgrade() -> None:
    drop_plumbing_tables()
