"""The worklist's keyset indexes for every filter and sort, also under the application type:
a clerk's list is scoped to their departments' types, and without these a page by due date
sorted all of a department's cases (tens of thousands) to show 25.

Revision ID: applications_0004
"""

from alembic import op

revision = "applications_0004"
down_revision = "applications_0003"
branch_labels = None
depends_on = None

# name -> columns, as models.CaseRow declares them
INDEXES = {
    "ix_cases_status_due": ["status", "due_at", "id"],
    "ix_cases_assignee_due": ["assignee", "due_at", "id"],
    "ix_cases_open_submitted": ["closed", "submitted_at", "id"],
    "ix_cases_type_due": ["application_type", "due_at", "id"],
    "ix_cases_type_status_submitted": ["application_type", "status", "submitted_at", "id"],
    "ix_cases_type_status_due": ["application_type", "status", "due_at", "id"],
    "ix_cases_type_assignee_submitted": ["application_type", "assignee", "submitted_at", "id"],
    "ix_cases_type_assignee_due": ["application_type", "assignee", "due_at", "id"],
    "ix_cases_type_open_submitted": ["application_type", "closed", "submitted_at", "id"],
    "ix_cases_type_open_due": ["application_type", "closed", "due_at", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "cases", columns, unique=False)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name="cases")
