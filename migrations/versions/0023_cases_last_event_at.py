"""cases.last_event_at: the latest instant of each case's events (written with every event), indexed for the bulletin

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 07:00:00
"""
import sqlalchemy as sa
from alembic import op

from reporter.common.db import UTCDateTime

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("last_event_at", UTCDateTime(), nullable=True))
    op.execute("UPDATE cases SET last_event_at = (SELECT max(e.at) FROM case_events e WHERE e.case_id = cases.id)")
    op.create_index("ix_cases_last_event_at", "cases", ["last_event_at", "id", "version"])


def downgrade():
    op.drop_index("ix_cases_last_event_at", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("last_event_at")
