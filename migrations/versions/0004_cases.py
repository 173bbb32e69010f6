"""cases and their events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 17:20:00

Reserved in the chain so features can land in any order; filled in by the feature that owns it.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import reporter.common.db  # noqa: F401

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=True),
    sa.Column('occurred_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('county_adcode', sa.String(length=6), nullable=True),
    sa.Column('zone', sa.String(length=16), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('routing', sa.JSON(), nullable=False),
    sa.Column('routed_unit_id', sa.Integer(), nullable=True),
    sa.Column('current_unit_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('finding', sa.String(length=16), nullable=True),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('supervision_level', sa.String(length=8), nullable=True),
    sa.Column('supervision_due', sa.Date(), nullable=True),
    sa.Column('handed_over_to', sa.String(length=16), nullable=True),
    sa.Column('accept_due', sa.Date(), nullable=True),
    sa.Column('sign_due', sa.Date(), nullable=True),
    sa.Column('handle_due', sa.Date(), nullable=True),
    sa.Column('verify_due', sa.Date(), nullable=True),
    sa.Column('accept_met', sa.Boolean(), nullable=True),
    sa.Column('sign_met', sa.Boolean(), nullable=True),
    sa.Column('handle_met', sa.Boolean(), nullable=True),
    sa.Column('verify_met', sa.Boolean(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('overdue_noted_on', sa.Date(), nullable=True),
    sa.Column('extension_used', sa.Boolean(), nullable=False),
    sa.Column('extension_requested_days', sa.Integer(), nullable=True),
    sa.Column('extension_reason', sa.String(length=500), nullable=True),
    sa.Column('rework_count', sa.Integer(), nullable=False),
    sa.Column('return_count', sa.Integer(), nullable=False),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("finding IS NULL OR finding IN ('true', 'partly_true', 'false')", name=op.f('ck_cases_known_finding')),
    sa.CheckConstraint("source IN ('citizen_report', 'patrol', 'video', 'undercover', 'superior')", name=op.f('ck_cases_known_source')),
    sa.CheckConstraint("supervision_level IS NULL OR supervision_level IN ('city', 'county')", name=op.f('ck_cases_known_supervision')),
    sa.ForeignKeyConstraint(['county_adcode'], ['counties.adcode'], name=op.f('fk_cases_county_adcode_counties')),
    sa.ForeignKeyConstraint(['current_unit_id'], ['units.id'], name=op.f('fk_cases_current_unit_id_units')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_cases_grid_id_grids')),
    sa.ForeignKeyConstraint(['routed_unit_id'], ['units.id'], name=op.f('fk_cases_routed_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_category_lat', ['category', 'lat'], unique=False)
        batch_op.create_index('ix_cases_county_state', ['county_adcode', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_cases_grid_state', ['grid_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_source'), ['source'], unique=False)
        batch_op.create_index('ix_cases_state_due', ['state', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_supervision_level'), ['supervision_level'], unique=False)
        batch_op.create_index('ix_cases_unit_state_created', ['current_unit_id', 'state', 'created_at', 'id'], unique=False)
    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('actor_unit_id', sa.Integer(), nullable=True),
    sa.Column('at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('from_state', sa.String(length=24), nullable=True),
    sa.Column('to_state', sa.String(length=24), nullable=False),
    sa.Column('internal_comment', sa.Text(), nullable=True),
    sa.Column('public_comment', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_case_events_actor_id_users')),
    sa.ForeignKeyConstraint(['actor_unit_id'], ['units.id'], name=op.f('fk_case_events_actor_unit_id_units')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events')),
    sa.UniqueConstraint('case_id', 'seq', name='uq_case_events_case_seq')
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_events_at'), ['at'], unique=False)
    op.create_table('case_units',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_units_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_case_units_unit_id_units')),
    sa.PrimaryKeyConstraint('case_id', 'unit_id', name=op.f('pk_case_units'))
    )
    with op.batch_alter_table('case_units', schema=None) as batch_op:
        batch_op.create_index('ix_case_units_unit_case', ['unit_id', 'case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_units', schema=None) as batch_op:
        batch_op.drop_index('ix_case_units_unit_case')
    op.drop_table('case_units')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_at'))
        batch_op.drop_index(batch_op.f('ix_case_events_action'))
    op.drop_table('case_events')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_unit_state_created')
        batch_op.drop_index(batch_op.f('ix_cases_supervision_level'))
        batch_op.drop_index('ix_cases_state_due')
        batch_op.drop_index(batch_op.f('ix_cases_source'))
        batch_op.drop_index('ix_cases_grid_state')
        batch_op.drop_index(batch_op.f('ix_cases_created_at'))
        batch_op.drop_index('ix_cases_county_state')
        batch_op.drop_index('ix_cases_category_lat')
    op.drop_table('cases')
