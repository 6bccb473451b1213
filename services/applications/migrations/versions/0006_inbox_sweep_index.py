"""The inbox indexed by when each event was handled: the hourly sweep forgets old rows.

Revision ID: applications_0006
"""

# the same step in every service (services/common/migrations.py)
from services.common.migrations import drop_inbox_index as downgrade  # noqa: F401
from services.common.migrations import index_inbox_by_handled_at as upgrade  # noqa: F401

revision = "applications_0006"
down_revision = "applications_0005"
branch_labels = None
depends_on = None
