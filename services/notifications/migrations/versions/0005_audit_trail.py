"""The audit trail of administrators' changes: templates, webhooks, re-sent messages
(services/common/audit.py).

Revision ID: notifications_0005
"""

from services.common.audit import create_audit_table, drop_audit_table

revision = "notifications_0005"
down_revision = "notifications_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table()


def downgrade() -> None:
    drop_audit_table()
