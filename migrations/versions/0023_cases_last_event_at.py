"""cases.last_event_at: the latest instant of each case's events (written with every event), indexed for the bulletin

A case without events (none is written so) takes its opening instant.

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
    op.execute("UPDATE cases SET last_event_at = coalesce((SELECT max(e.at) FROM case_events e "
               "WHERE e.case_id = cases.id), created_at)")
    op.create_index("ix_cases_last_event_at", "cases", ["last_event_at", "id", "version", "created_at"])
    op.create_index("ix_cases_idle_open", "cases", ["last_event_at"],
                    postgresql_include=["created_at", "county_adcode", "current_unit_id", "routed_unit_id", "due_on",
                                        "supervision_level", "id"],
                    postgresql_where=sa.text("state IN ('submitted', 'accepted', 'dispatched', 'in_progress', "
                                             "'pending_verification', 'verified')"))


def downgrade():
    op.drop_index("ix_cases_idle_open", table_name="cases")
    op.drop_index("ix_cases_last_event_at", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("last_event_at")
