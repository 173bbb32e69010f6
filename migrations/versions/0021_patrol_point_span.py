"""patrols keep the time span of their stored points (a track is read from its months' partitions only); indexes
for a month's figures (patrols by day, observations by time)

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 04:20:00
"""
import sqlalchemy as sa
from alembic import op

import reporter.common.db

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_point_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_point_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_patrols_day', ['day'], unique=False)
    with op.batch_alter_table('patrol_observations', schema=None) as batch_op:
        batch_op.create_index('ix_patrol_observations_t', ['t'], unique=False)
    # the span of the points stored so far (patrols whose raw points were erased keep none)
    op.execute("UPDATE patrols SET first_point_at = (SELECT min(t) FROM patrol_points WHERE patrol_id = patrols.id), "
               "last_point_at = (SELECT max(t) FROM patrol_points WHERE patrol_id = patrols.id) "
               "WHERE points_erased_at IS NULL")


def downgrade():
    with op.batch_alter_table('patrol_observations', schema=None) as batch_op:
        batch_op.drop_index('ix_patrol_observations_t')
    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.drop_index('ix_patrols_day')
        batch_op.drop_column('last_point_at')
        batch_op.drop_column('first_point_at')
