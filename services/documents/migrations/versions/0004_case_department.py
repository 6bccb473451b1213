"""A document filed into a case keeps the case's department: a clerk reads the documents of
their departments' cases only.

The documents filed before name none, and no clerk reads them (admins do) until they are
filed into their case again, which records its department.

Revision ID: documents_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "documents_0004"
down_revision = "documents_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_department", sa.String(length=50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("case_department")
