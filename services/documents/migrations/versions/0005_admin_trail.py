"""The audit trail of administrators' changes (services/common/audit.py): dead letters
replayed or discarded. Its table is `admin_trail`: `audit_trail` is the documents' own record
of every read and change.

Revision ID: documents_0005
"""

from services.common.audit import create_audit_table, drop_audit_table

revision = "documents_0005"
down_revision = "documents_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table("admin_trail")


def downgrade() -> None:
    drop_audit_table("admin_trail")
