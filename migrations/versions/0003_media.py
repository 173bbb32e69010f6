"""photo uploads

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 17:20:00

The uploads table: one row per photo, pending until attached to a report, observation or case result.
"""
from alembic import op
import sqlalchemy as sa

import reporter.common.db  # noqa: F401

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('uploads',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attached_type', sa.String(length=32), nullable=True),
    sa.Column('attached_id', sa.String(length=64), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('phash', sa.String(length=16), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('taken_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('gps_lat', sa.Float(), nullable=True),
    sa.Column('gps_lng', sa.Float(), nullable=True),
    sa.Column('camera_make', sa.String(length=64), nullable=True),
    sa.Column('camera_model', sa.String(length=64), nullable=True),
    sa.Column('created_at', reporter.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attached_at', reporter.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(state = 'pending') = (attached_id IS NULL)", name=op.f('ck_uploads_attached_has_target')),
    sa.CheckConstraint("purpose IN ('report', 'patrol', 'evidence')", name=op.f('ck_uploads_known_purpose')),
    sa.CheckConstraint("state IN ('pending', 'attached')", name=op.f('ck_uploads_known_state')),
    sa.ForeignKeyConstraint(['uploader_id'], ['users.id'], name=op.f('fk_uploads_uploader_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_uploads'))
    )
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.create_index('ix_uploads_attached', ['attached_type', 'attached_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_uploads_phash'), ['phash'], unique=False)
        batch_op.create_index(batch_op.f('ix_uploads_sha256'), ['sha256'], unique=False)
        batch_op.create_index('ix_uploads_state_created', ['state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_uploads_uploader_id'), ['uploader_id'], unique=False)


def downgrade():
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_uploads_uploader_id'))
        batch_op.drop_index('ix_uploads_state_created')
        batch_op.drop_index(batch_op.f('ix_uploads_sha256'))
        batch_op.drop_index(batch_op.f('ix_uploads_phash'))
        batch_op.drop_index('ix_uploads_attached')

    op.drop_table('uploads')
