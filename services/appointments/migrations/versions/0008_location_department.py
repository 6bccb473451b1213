"""A location names the department whose clerks work its desks (none: every clerk).

Revision ID: appointments_0008
"""

import sqlalchemy as sa
from alembic import op

revision = "appointments_0008"
down_revision = "appointments_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("locations") as table:
        table.add_column(sa.Column("department", sa.String(50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("locations") as table:
        table.drop_column("department")
