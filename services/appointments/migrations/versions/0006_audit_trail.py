"""The audit trail of the catalogue's changes (services/common/audit.py).

Revision ID: appointments_0006
"""

from services.common.audit import create_audit_table, drop_audit_table

revision = "appointments_0006"
down_revision = "appointments_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table()


def downgrade() -> None:
    drop_audit_table()
