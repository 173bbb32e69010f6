"""registers and special campaigns

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 21:40:00

The problem register (问题台账): cases from central/provincial inspection feedback and audit findings, with the
feedback item's own reference (反馈编号).
"""
import sqlalchemy as sa
from alembic import op

import reporter.common.db

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

OLD_SOURCES = "'citizen_report', 'patrol', 'video', 'undercover', 'superior'"
NEW_SOURCES = OLD_SOURCES + ", 'central_inspection', 'provincial_inspection', 'audit'"


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_ref', sa.String(length=64), nullable=True))
        batch_op.alter_column('source', existing_type=sa.String(length=16), type_=sa.String(length=32),
                              existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_cases_external_ref'), ['external_ref'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_cases_known_source'), type_='check')
        batch_op.create_check_constraint('known_source', f"source IN ({NEW_SOURCES})")

    op.create_table('site_kinds',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('geometry', sa.String(length=8), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('states', sa.JSON(), nullable=False),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("geometry IN ('point', 'polygon', 'any')", name=op.f('ck_site_kinds_known_site_geometry')),
    sa.ForeignKeyConstraint(['category'], ['categories.code'], name=op.f('fk_site_kinds_category_categories')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_site_kinds')),
    sa.UniqueConstraint('name', name=op.f('uq_site_kinds_name'))
    )
    op.create_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('operator', sa.String(length=200), nullable=True),
    sa.Column('geometry', sa.JSON(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=True),
    sa.Column('county_adcode', sa.String(length=6), nullable=True),
    sa.Column('zone', sa.String(length=16), nullable=True),
    sa.Column('grid_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('unit_set', sa.String(length=40), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_adcode'], ['counties.adcode'], name=op.f('fk_sites_county_adcode_counties')),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_sites_grid_id_grids')),
    sa.ForeignKeyConstraint(['kind'], ['site_kinds.code'], name=op.f('fk_sites_kind_site_kinds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sites')),
    sa.UniqueConstraint('kind', 'code', name='uq_sites_kind_code')
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_index('ix_sites_county_kind', ['county_adcode', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_sites_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index('ix_sites_kind_lat', ['kind', 'lat'], unique=False)
        batch_op.create_index(batch_op.f('ix_sites_operator'), ['operator'], unique=False)
        batch_op.create_index(batch_op.f('ix_sites_unit_set'), ['unit_set'], unique=False)

    op.create_table('site_candidates',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_site_candidates_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_candidates_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'site_id', name=op.f('pk_site_candidates'))
    )
    op.create_table('site_cases',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('linked_by', sa.Integer(), nullable=True),
    sa.Column('at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_site_cases_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['linked_by'], ['users.id'], name=op.f('fk_site_cases_linked_by_users')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_cases_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_site_cases'))
    )
    with op.batch_alter_table('site_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_cases_site_id'), ['site_id'], unique=False)

    op.create_table('site_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('filename', sa.String(length=160), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=128), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_documents_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_site_documents_uploaded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_documents'))
    )
    with op.batch_alter_table('site_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_documents_site_id'), ['site_id'], unique=False)

    op.create_table('site_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('actor_unit_id', sa.Integer(), nullable=True),
    sa.Column('at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('from_state', sa.String(length=32), nullable=True),
    sa.Column('to_state', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_site_events_actor_id_users')),
    sa.ForeignKeyConstraint(['actor_unit_id'], ['units.id'], name=op.f('fk_site_events_actor_unit_id_units')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_events_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_events')),
    sa.UniqueConstraint('site_id', 'seq', name='uq_site_events_site_seq')
    )
    with op.batch_alter_table('site_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_events_at'), ['at'], unique=False)

    op.create_table('site_units',
    sa.Column('unit_set', sa.String(length=40), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_site_units_unit_id_units')),
    sa.PrimaryKeyConstraint('unit_set', 'unit_id', name=op.f('pk_site_units'))
    )
    with op.batch_alter_table('site_units', schema=None) as batch_op:
        batch_op.create_index('ix_site_units_unit_set', ['unit_id', 'unit_set'], unique=False)

    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('counties', sa.JSON(), nullable=False),
    sa.Column('zones', sa.JSON(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('checkins_count_as_survey', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_campaigns_created_by_users')),
    sa.ForeignKeyConstraint(['kind'], ['site_kinds.code'], name=op.f('fk_campaigns_kind_site_kinds')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns')),
    sa.UniqueConstraint('name', name=op.f('uq_campaigns_name'))
    )
    op.create_table('undercover_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_adcode', sa.String(length=6), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('team', sa.String(length=200), nullable=True),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('problems_found', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('recorded_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['county_adcode'], ['counties.adcode'], name=op.f('fk_undercover_checks_county_adcode_counties')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_undercover_checks_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_undercover_checks'))
    )
    with op.batch_alter_table('undercover_checks', schema=None) as batch_op:
        batch_op.create_index('ix_undercover_checks_county_day', ['county_adcode', 'checked_on'], unique=False)

    op.create_table('campaign_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=8), nullable=False),
    sa.Column('zone', sa.String(length=16), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.CheckConstraint("step IN ('survey', 'rectify', 'accept', 'close')", name=op.f('ck_campaign_milestones_known_step')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_milestones_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_milestones')),
    sa.UniqueConstraint('campaign_id', 'step', 'zone', name='uq_campaign_milestones_step_zone')
    )
    with op.batch_alter_table('campaign_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_milestones_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('campaign_overdue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=8), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('noted_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('raised_to', sa.JSON(), nullable=False),
    sa.Column('supervision_level', sa.String(length=8), nullable=True),
    sa.Column('supervision_due', sa.Date(), nullable=True),
    sa.Column('supervised_by', sa.Integer(), nullable=True),
    sa.Column('supervised_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_overdue_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_campaign_overdue_site_id_sites'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supervised_by'], ['users.id'], name=op.f('fk_campaign_overdue_supervised_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_overdue')),
    sa.UniqueConstraint('campaign_id', 'site_id', 'step', name='uq_campaign_overdue_site_step')
    )
    with op.batch_alter_table('campaign_overdue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_overdue_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('campaign_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=8), nullable=False),
    sa.Column('at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('actor_unit_id', sa.Integer(), nullable=True),
    sa.Column('compliant', sa.Boolean(), nullable=True),
    sa.Column('measures', sa.Text(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('photo_ids', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_ref', sa.String(length=64), nullable=True),
    sa.CheckConstraint("step IN ('survey', 'rectify', 'accept', 'close')", name=op.f('ck_campaign_steps_known_step')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_campaign_steps_actor_id_users')),
    sa.ForeignKeyConstraint(['actor_unit_id'], ['units.id'], name=op.f('fk_campaign_steps_actor_unit_id_units')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_steps_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_campaign_steps_site_id_sites'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_steps')),
    sa.UniqueConstraint('campaign_id', 'site_id', 'step', name='uq_campaign_steps_site_step')
    )
    with op.batch_alter_table('campaign_steps', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_steps_campaign_day', ['campaign_id', 'day'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_steps_site_id'), ['site_id'], unique=False)

    op.create_table('campaign_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('measure', sa.String(length=8), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('where', sa.JSON(), nullable=False),
    sa.Column('of', sa.JSON(), nullable=False),
    sa.Column('step', sa.String(length=8), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.CheckConstraint("measure IN ('count', 'rate')", name=op.f('ck_campaign_targets_known_measure')),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_targets_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_targets'))
    )
    with op.batch_alter_table('campaign_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_targets_campaign_id'), ['campaign_id'], unique=False)

    op.create_table('recheck_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=True),
    sa.Column('county_adcode', sa.String(length=6), nullable=True),
    sa.Column('category', sa.String(length=64), nullable=True),
    sa.Column('sample_size', sa.Integer(), nullable=True),
    sa.Column('seed', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_recheck_batches_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recheck_batches'))
    )
    op.create_table('recheck_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('checked_by', sa.Integer(), nullable=True),
    sa.Column('checked_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('photo_ids', sa.JSON(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'confirmed', 'failed')", name=op.f('ck_recheck_items_known_recheck_status')),
    sa.ForeignKeyConstraint(['batch_id'], ['recheck_batches.id'], name=op.f('fk_recheck_items_batch_id_recheck_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_recheck_items_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['checked_by'], ['users.id'], name=op.f('fk_recheck_items_checked_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recheck_items')),
    sa.UniqueConstraint('batch_id', 'case_id', name='uq_recheck_items_batch_case')
    )
    with op.batch_alter_table('recheck_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recheck_items_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recheck_items_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('recheck_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recheck_items_case_id'))
        batch_op.drop_index(batch_op.f('ix_recheck_items_batch_id'))

    op.drop_table('recheck_items')
    op.drop_table('recheck_batches')
    with op.batch_alter_table('campaign_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_targets_campaign_id'))

    op.drop_table('campaign_targets')
    with op.batch_alter_table('campaign_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_steps_site_id'))
        batch_op.drop_index('ix_campaign_steps_campaign_day')

    op.drop_table('campaign_steps')
    with op.batch_alter_table('campaign_overdue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_overdue_campaign_id'))

    op.drop_table('campaign_overdue')
    with op.batch_alter_table('campaign_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_milestones_campaign_id'))

    op.drop_table('campaign_milestones')
    with op.batch_alter_table('undercover_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_undercover_checks_county_day')

    op.drop_table('undercover_checks')
    op.drop_table('campaigns')
    with op.batch_alter_table('site_units', schema=None) as batch_op:
        batch_op.drop_index('ix_site_units_unit_set')

    op.drop_table('site_units')
    with op.batch_alter_table('site_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_events_at'))

    op.drop_table('site_events')
    with op.batch_alter_table('site_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_documents_site_id'))

    op.drop_table('site_documents')
    with op.batch_alter_table('site_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_cases_site_id'))

    op.drop_table('site_cases')
    op.drop_table('site_candidates')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sites_unit_set'))
        batch_op.drop_index(batch_op.f('ix_sites_operator'))
        batch_op.drop_index('ix_sites_kind_lat')
        batch_op.drop_index(batch_op.f('ix_sites_grid_id'))
        batch_op.drop_index('ix_sites_county_kind')

    op.drop_table('sites')
    op.drop_table('site_kinds')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_cases_known_source'), type_='check')
        batch_op.create_check_constraint('known_source', f"source IN ({OLD_SOURCES})")
        batch_op.drop_index(batch_op.f('ix_cases_external_ref'))
        batch_op.alter_column('source', existing_type=sa.String(length=32), type_=sa.String(length=16),
                              existing_nullable=False)
        batch_op.drop_column('external_ref')
