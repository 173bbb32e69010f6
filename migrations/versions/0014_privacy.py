"""privacy: notice, consents, sweeps; cancelled accounts; erased patrol points

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 21:24:11

The versioned privacy notice and each resident's acceptance, the record of each retention sweep, when an account
was cancelled (注销), and for patrols whose raw points were erased, when and the simplified track kept instead.
"""
import sqlalchemy as sa
from alembic import op

import reporter.common.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_sweeps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_sweeps'))
    )
    with op.batch_alter_table('privacy_sweeps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_sweeps_started_at'), ['started_at'], unique=False)

    op.create_table('privacy_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('notice_version', sa.Integer(), nullable=False),
    sa.Column('accepted_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_consents')),
    sa.UniqueConstraint('user_id', 'notice_version', name='uq_privacy_consents_user_version')
    )
    with op.batch_alter_table('privacy_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_privacy_consents_user_id'), ['user_id'], unique=False)

    op.create_table('privacy_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('summary_of_changes', sa.String(length=1000), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('published_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['published_by'], ['users.id'], name=op.f('fk_privacy_notices_published_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_notices')),
    sa.UniqueConstraint('version', name=op.f('uq_privacy_notices_version'))
    )
    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.add_column(sa.Column('points_erased_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('simplified_track', sa.JSON(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')

    with op.batch_alter_table('patrols', schema=None) as batch_op:
        batch_op.drop_column('simplified_track')
        batch_op.drop_column('points_erased_at')

    op.drop_table('privacy_notices')
    with op.batch_alter_table('privacy_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_consents_user_id'))

    op.drop_table('privacy_consents')
    with op.batch_alter_table('privacy_sweeps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_privacy_sweeps_started_at'))

    op.drop_table('privacy_sweeps')
