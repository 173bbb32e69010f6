"""reward policy, rewards and the ledger

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 17:20:00

Reward policy versions and tiers, eligibility decisions, rewards, yearly budgets and the append-only ledger.
"""
from alembic import op
import sqlalchemy as sa

import reporter.common.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reward_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('partly_true_percent', sa.Integer(), nullable=False),
    sa.Column('same_day_sharing', sa.Boolean(), nullable=False),
    sa.Column('claim_window_days', sa.Integer(), nullable=False),
    sa.Column('paying_unit_code', sa.String(length=64), nullable=False),
    sa.Column('yearly_budget_fen', sa.BigInteger(), nullable=False),
    sa.Column('finance_roles', sa.JSON(), nullable=False),
    sa.Column('excluded_user_ids', sa.JSON(), nullable=False),
    sa.Column('excluded_unit_codes', sa.JSON(), nullable=False),
    sa.Column('created_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('activated_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('draft', 'active', 'retired')", name=op.f('ck_reward_policies_known_state')),
    sa.CheckConstraint('claim_window_days > 0', name=op.f('ck_reward_policies_claim_window_positive')),
    sa.CheckConstraint('partly_true_percent BETWEEN 0 AND 100', name=op.f('ck_reward_policies_partly_true_percent_range')),
    sa.CheckConstraint('yearly_budget_fen >= 0', name=op.f('ck_reward_policies_budget_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_policies')),
    sa.UniqueConstraint('version', name=op.f('uq_reward_policies_version'))
    )
    with op.batch_alter_table('reward_policies', schema=None) as batch_op:
        batch_op.create_index('uq_reward_policies_one_active', ['state'], unique=True, postgresql_where=sa.text("state = 'active'"), sqlite_where=sa.text("state = 'active'"))

    op.create_table('reward_budgets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.Column('committed_fen', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('committed_fen >= 0 AND committed_fen <= total_fen', name=op.f('ck_reward_budgets_within_total')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_reward_budgets_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_budgets')),
    sa.UniqueConstraint('unit_id', 'year', name='uq_reward_budgets_unit_year')
    )
    op.create_table('reward_tiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('min_fen', sa.BigInteger(), nullable=False),
    sa.Column('max_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('min_fen > 0 AND max_fen >= min_fen', name=op.f('ck_reward_tiers_range_valid')),
    sa.ForeignKeyConstraint(['policy_id'], ['reward_policies.id'], name=op.f('fk_reward_tiers_policy_id_reward_policies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_tiers')),
    sa.UniqueConstraint('policy_id', 'code', name='uq_reward_tiers_policy_code')
    )
    op.create_table('rewards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('tracking_code', sa.String(length=32), nullable=True),
    sa.Column('claim_pin_hash', sa.String(length=255), nullable=True),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('paying_unit_id', sa.Integer(), nullable=True),
    sa.Column('finding', sa.String(length=16), nullable=False),
    sa.Column('share_count', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('tier_code', sa.String(length=32), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=True),
    sa.Column('proposal_reason', sa.Text(), nullable=True),
    sa.Column('proposed_by', sa.Integer(), nullable=True),
    sa.Column('proposed_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('budget_id', sa.Integer(), nullable=True),
    sa.Column('notified_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claim_deadline', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('payee_ciphertext', sa.Text(), nullable=True),
    sa.Column('paid_by', sa.Integer(), nullable=True),
    sa.Column('paid_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('payment_reference', sa.String(length=64), nullable=True),
    sa.Column('expired_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('eligible', 'proposed', 'approved', 'rejected', 'notified', 'claimed', 'paid', 'expired')", name=op.f('ck_rewards_known_state')),
    sa.CheckConstraint('amount_fen IS NULL OR amount_fen > 0', name=op.f('ck_rewards_amount_positive')),
    sa.CheckConstraint('proposed_by IS NULL OR approved_by IS NULL OR proposed_by <> approved_by', name=op.f('ck_rewards_two_people')),
    sa.CheckConstraint('share_count >= 1', name=op.f('ck_rewards_share_count_positive')),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_rewards_approved_by_users')),
    sa.ForeignKeyConstraint(['budget_id'], ['reward_budgets.id'], name=op.f('fk_rewards_budget_id_reward_budgets')),
    sa.ForeignKeyConstraint(['paid_by'], ['users.id'], name=op.f('fk_rewards_paid_by_users')),
    sa.ForeignKeyConstraint(['paying_unit_id'], ['units.id'], name=op.f('fk_rewards_paying_unit_id_units')),
    sa.ForeignKeyConstraint(['policy_id'], ['reward_policies.id'], name=op.f('fk_rewards_policy_id_reward_policies')),
    sa.ForeignKeyConstraint(['proposed_by'], ['users.id'], name=op.f('fk_rewards_proposed_by_users')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_rewards_reporter_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rewards')),
    sa.UniqueConstraint('case_id', 'report_id', name='uq_rewards_case_report'),
    sa.UniqueConstraint('payment_reference', name=op.f('uq_rewards_payment_reference'))
    )
    with op.batch_alter_table('rewards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rewards_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rewards_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index('ix_rewards_state_deadline', ['state', 'claim_deadline'], unique=False)

    op.create_table('reward_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.String(length=36), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('closing', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('reward_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['reward_policies.id'], name=op.f('fk_reward_decisions_policy_id_reward_policies')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_reward_decisions_reporter_id_users')),
    sa.ForeignKeyConstraint(['reward_id'], ['rewards.id'], name=op.f('fk_reward_decisions_reward_id_rewards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_decisions')),
    sa.UniqueConstraint('case_id', 'report_id', 'closing', name='uq_reward_decisions_closing')
    )
    with op.batch_alter_table('reward_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reward_decisions_case_id'), ['case_id'], unique=False)

    op.create_table('reward_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reward_id', sa.Integer(), nullable=True),
    sa.Column('budget_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('budget_before_fen', sa.BigInteger(), nullable=True),
    sa.Column('budget_after_fen', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.CheckConstraint("kind IN ('eligible', 'proposed', 'approved', 'rejected', 'notified', 'claimed', 'paid', 'expired', 'allotted')", name=op.f('ck_reward_ledger_known_kind')),
    sa.CheckConstraint('amount_fen >= 0', name=op.f('ck_reward_ledger_amount_not_negative')),
    sa.CheckConstraint('budget_after_fen IS NULL OR budget_after_fen >= 0', name=op.f('ck_reward_ledger_budget_never_negative')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_reward_ledger_actor_id_users')),
    sa.ForeignKeyConstraint(['budget_id'], ['reward_budgets.id'], name=op.f('fk_reward_ledger_budget_id_reward_budgets')),
    sa.ForeignKeyConstraint(['reward_id'], ['rewards.id'], name=op.f('fk_reward_ledger_reward_id_rewards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reward_ledger')),
    sa.UniqueConstraint('reward_id', 'kind', name='uq_reward_ledger_reward_kind')
    )
    with op.batch_alter_table('reward_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reward_ledger_budget_id'), ['budget_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reward_ledger_reward_id'), ['reward_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reward_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reward_ledger_reward_id'))
        batch_op.drop_index(batch_op.f('ix_reward_ledger_budget_id'))

    op.drop_table('reward_ledger')
    with op.batch_alter_table('reward_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reward_decisions_case_id'))

    op.drop_table('reward_decisions')
    with op.batch_alter_table('rewards', schema=None) as batch_op:
        batch_op.drop_index('ix_rewards_state_deadline')
        batch_op.drop_index(batch_op.f('ix_rewards_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_rewards_case_id'))

    op.drop_table('rewards')
    op.drop_table('reward_tiers')
    op.drop_table('reward_budgets')
    with op.batch_alter_table('reward_policies', schema=None) as batch_op:
        batch_op.drop_index('uq_reward_policies_one_active', postgresql_where=sa.text("state = 'active'"), sqlite_where=sa.text("state = 'active'"))

    op.drop_table('reward_policies')
