"""monthly bulletin, typical cases

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 17:20:00

The typical cases published for exposure, and the index the bulletin sums reward ledger entries by.
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import reporter.common.db  # noqa: F401

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('published_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('photo_ids', sa.JSON(), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=False),
    sa.Column('published_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_published_cases_case_id_cases')),
    sa.ForeignKeyConstraint(['published_by'], ['users.id'], name=op.f('fk_published_cases_published_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_cases')),
    sa.UniqueConstraint('case_id', name=op.f('uq_published_cases_case_id'))
    )
    with op.batch_alter_table('published_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_cases_published_at'), ['published_at'], unique=False)

    with op.batch_alter_table('reward_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_reward_ledger_kind_at', ['kind', 'at'], unique=False)



def downgrade():
    with op.batch_alter_table('reward_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_reward_ledger_kind_at')

    with op.batch_alter_table('published_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_cases_published_at'))

    op.drop_table('published_cases')
