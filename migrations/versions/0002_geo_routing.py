"""geography, units and the responsibility list

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 17:20:00

Reserved in the chain so features can land in any order; filled in by the feature that owns it.
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import reporter.common.db  # noqa: F401

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
