"""Idempotency keys in the shared table (services/common/idempotency.py): the keys cases
were submitted with move there, and the cases lose their own column.

A moved key has no fingerprint: as before, it answers its case whatever comes with it.

Revision ID: applications_0003
"""

import sqlalchemy as sa
from alembic import op

from services.common.migrations import create_idempotency_table, drop_idempotency_table

revision = "applications_0003"
down_revision = "applications_0002"
branch_labels = None
depends_on = None

# the operation a case's key is remembered under (services/applications/service.py)
OPERATION = "case"


def upgrade() -> None:
    create_idempotency_table()
    op.execute(
        sa.text(
            "INSERT INTO idempotency_keys"
            ' (caller, operation, "key", fingerprint, resource_id, created_at)'
            " SELECT citizen, :operation, idempotency_key, NULL, id, submitted_at"
            " FROM cases WHERE idempotency_key IS NOT NULL"
        ).bindparams(operation=OPERATION)
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("uq_cases_citizen_idempotency")
        batch_op.drop_column("idempotency_key")


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_key", sa.String(length=200), nullable=True))
        batch_op.create_index(
            "uq_cases_citizen_idempotency", ["citizen", "idempotency_key"], unique=True
        )
    op.execute(
        sa.text(
            'UPDATE cases SET idempotency_key = (SELECT "key" FROM idempotency_keys'
            " WHERE idempotency_keys.resource_id = cases.id"
            " AND idempotency_keys.operation = :operation)"
        ).bindparams(operation=OPERATION)
    )
    drop_idempotency_table()
