"""recurrence after closure, reward integrity

Revision ID: 0013
Revises: 0010
Create Date: 2026-11-29 21:40:00

Possible recurrences (疑似反弹回潮) raised on closed cases and their decision's deadline; the payee's blind index,
claim refusals for the desk, staff ID numbers, and the policy's yearly cap per payee and staff exclusion.
"""
import sqlalchemy as sa
from alembic import op

import reporter.common.db

revision = '0013'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recurrence_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('recurrence_met', sa.Boolean(), nullable=True))

    op.create_table('case_recurrences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('raised_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('decided_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('closing', sa.Integer(), nullable=True),
    sa.Column('new_case_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'reopened', 'new_case', 'rejected')",
                       name=op.f('ck_case_recurrences_known_state')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_recurrences_case_id_cases'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['new_case_id'], ['cases.id'], name=op.f('fk_case_recurrences_new_case_id_cases')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_case_recurrences_report_id_reports'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_recurrences')),
    sa.UniqueConstraint('report_id', name=op.f('uq_case_recurrences_report_id'))
    )
    with op.batch_alter_table('case_recurrences', schema=None) as batch_op:
        batch_op.create_index('ix_case_recurrences_case_state', ['case_id', 'state'], unique=False)

    with op.batch_alter_table('reward_policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('yearly_cap_fen', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('exclude_staff_id_numbers', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.create_check_constraint('cap_positive', 'yearly_cap_fen IS NULL OR yearly_cap_fen > 0')

    with op.batch_alter_table('rewards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payee_index', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('claim_refusals', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_rewards_payee_index'), ['payee_index'], unique=False)

    op.create_table('staff_id_numbers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('id_number_ciphertext', sa.Text(), nullable=False),
    sa.Column('id_index', sa.String(length=64), nullable=False),
    sa.Column('registered_by', sa.Integer(), nullable=True),
    sa.Column('registered_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registered_by'], ['users.id'], name=op.f('fk_staff_id_numbers_registered_by_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_id_numbers_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_id_numbers')),
    sa.UniqueConstraint('user_id', name=op.f('uq_staff_id_numbers_user_id'))
    )
    with op.batch_alter_table('staff_id_numbers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_id_numbers_id_index'), ['id_index'], unique=False)


def downgrade():
    with op.batch_alter_table('staff_id_numbers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_id_numbers_id_index'))
    op.drop_table('staff_id_numbers')

    with op.batch_alter_table('rewards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rewards_payee_index'))
        batch_op.drop_column('claim_refusals')
        batch_op.drop_column('payee_index')

    with op.batch_alter_table('reward_policies', schema=None) as batch_op:
        batch_op.drop_constraint('cap_positive', type_='check')
        batch_op.drop_column('exclude_staff_id_numbers')
        batch_op.drop_column('yearly_cap_fen')

    with op.batch_alter_table('case_recurrences', schema=None) as batch_op:
        batch_op.drop_index('ix_case_recurrences_case_state')
    op.drop_table('case_recurrences')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('recurrence_met')
        batch_op.drop_column('recurrence_due')
