"""The audit trail of administrators' changes (services/common/audit.py): dead letters
replayed or discarded.

Revision ID: applications_0005
"""

from services.common.audit import create_audit_table, drop_audit_table

revision = "applications_0005"
down_revision = "applications_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table()


def downgrade() -> None:
    drop_audit_table()
