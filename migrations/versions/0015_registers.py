"""registers and special campaigns

Revision ID: 0015
Revises: 0008
Create Date: 2026-11-29 21:40:00

The problem register (问题台账): cases from central/provincial inspection feedback and audit findings, with the
feedback item's own reference (反馈编号).
"""
import sqlalchemy as sa
from alembic import op

import reporter.common.db  # noqa: F401

revision = '0015'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD_SOURCES = "'citizen_report', 'patrol', 'video', 'undercover', 'superior'"
NEW_SOURCES = OLD_SOURCES + ", 'central_inspection', 'provincial_inspection', 'audit'"


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_ref', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_external_ref'), ['external_ref'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_cases_known_source'), type_='check')
        batch_op.create_check_constraint('known_source', f"source IN ({NEW_SOURCES})")


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_cases_known_source'), type_='check')
        batch_op.create_check_constraint('known_source', f"source IN ({OLD_SOURCES})")
        batch_op.drop_index(batch_op.f('ix_cases_external_ref'))
        batch_op.drop_column('external_ref')
