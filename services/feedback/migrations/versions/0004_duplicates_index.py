"""The items closed as duplicates of an item, found by an index: the office's item page
lists them.

Revision ID: feedback_0004
"""

from alembic import op

revision = "feedback_0004"
down_revision = "feedback_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_items_duplicate_of", "items", ["duplicate_of"])


def downgrade() -> None:
    op.drop_index("ix_items_duplicate_of", table_name="items")
