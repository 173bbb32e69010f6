"""case events indexed on (at, case_id, id): the bulletin's month cases and their events since it began, index only

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 04:30:00
"""
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_case_events_at_case_id", "case_events", ["at", "case_id", "id"])


def downgrade():
    op.drop_index("ix_case_events_at_case_id", table_name="case_events")
