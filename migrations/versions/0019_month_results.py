"""month results: a finished month's whole bulletin per scope replaces its closed and on-time counts per county

The stored counts (stats_month_figures) were a copy of part of the bulletin, written once and never invalidated;
stats_month_results keeps the whole bulletin of a finished month per scope (the city, or one county), dropped by
any later write inside the month. Nothing is carried over: a stored month is recomputed on its next read.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 00:50:00
"""
import sqlalchemy as sa
from alembic import op

import reporter.common.db

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stats_month_results',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('computed_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('month', 'scope', name=op.f('pk_stats_month_results'))
    )
    op.drop_table('stats_month_figures')


def downgrade():
    op.create_table('stats_month_figures',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('counties', sa.JSON(), nullable=False),
    sa.Column('computed_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('month', name=op.f('pk_stats_month_figures'))
    )
    op.drop_table('stats_month_results')
