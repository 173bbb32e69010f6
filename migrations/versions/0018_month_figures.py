"""month figures: a finished month's closed and on-time counts per county (the bulletin document's trend)

Revision ID: 0018
Revises: 0015
Create Date: 2026-11-29 22:40:00
"""
import sqlalchemy as sa
from alembic import op

import reporter.common.db

revision = '0018'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stats_month_figures',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('counties', sa.JSON(), nullable=False),
    sa.Column('computed_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_stats_month_figures'))
    )


def downgrade():
    op.drop_table('stats_month_figures')
