"""sign-in throttled per (account, address); staff accounts checked against the unit scope rule

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 21:50:00

Failed sign-ins no longer lock an account (issue 14 §2): the counters move to the rate limiter's storage, keyed by
(username, address), so the columns `users.failed_logins` and `users.locked_until` go. Unit-scoped roles now need a
fitting unit (a supervisor a Qinling office; only `city.qinling_office` is city-wide); the migration changes no
account, it names the ones that break the rule in its log — `flask users check-scope` lists them any time after.
Until fixed, such a supervisor sees no case (`reporter/cases/scope.py` `supervisor_county`).
"""
import logging

import sqlalchemy as sa
from alembic import op

import reporter.common.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# The rule as it stands at this revision (reporter/accounts/scope.py is the living one).
_BREAKING = sa.text("""
    SELECT u.id, u.username, r.role, un.code
    FROM users u JOIN user_roles r ON r.user_id = u.id LEFT JOIN units un ON un.id = u.unit_id
    WHERE u.is_active AND u.username IS NOT NULL AND (
        (r.role = 'officer' AND un.id IS NULL)
        OR (r.role = 'supervisor' AND (un.id IS NULL OR un.kind <> 'qinling_office'
                                       OR (un.level = 'city' AND un.code <> 'city.qinling_office'))))
    ORDER BY u.id
""")


def upgrade():
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), not batch mode: rebuilding `users` on SQLite, whose foreign
    # keys are on, would cascade-delete every user's roles and sessions.
    op.drop_column('users', 'locked_until')
    op.drop_column('users', 'failed_logins')
    for user_id, username, role, unit in op.get_bind().execute(_BREAKING):
        log.warning("user %s %s: role %s with unit %s breaks the unit scope rule; run `flask users check-scope`",
                    user_id, username, role, unit or "-")


def downgrade():
    op.add_column('users', sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('users', sa.Column('locked_until', reporter.common.db.UTCDateTime(timezone=True), nullable=True))
