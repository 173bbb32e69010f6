"""reporters stay anonymous to staff (issue 14 §1)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 21:40:00

Residents' acts in the audit log keep a keyed pseudonym instead of the account id (`audit_events.actor_pseudonym`).
Existing reward claims are converted: the audit event gets the pseudonym of (report, claimant) when the app's keys
are at hand (`flask db upgrade`), and loses its account id in any case; the ledger's `claimed` entries lose theirs
(the claimant is always the reward's reporter, kept server-side in `rewards.reporter_id`).
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _pseudonym():
    """`reporter.reports.pseudonym.of` when the app (and its keys) is available, else None."""
    try:
        from flask import current_app

        current_app.config["CONTACT_ENCRYPTION_KEYS"]
    except (RuntimeError, KeyError):
        return None
    from reporter.reports.pseudonym import of

    return of


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_pseudonym', sa.String(length=64), nullable=True))

    bind = op.get_bind()
    of = _pseudonym()
    claims = bind.execute(sa.text(
        "SELECT a.id, a.actor_id, r.report_id FROM audit_events a JOIN rewards r ON a.target_id = "
        "CAST(r.id AS VARCHAR(64)) WHERE a.action = 'reward.claim' AND a.target_type = 'reward' "
        "AND a.actor_id IS NOT NULL")).all()
    for event_id, actor_id, report_id in claims:
        bind.execute(sa.text("UPDATE audit_events SET actor_id = NULL, actor_pseudonym = :p WHERE id = :id"),
                     {"p": of(actor_id, report_id) if of else "unresolved-0009", "id": event_id})
    bind.execute(sa.text("UPDATE reward_ledger SET actor_id = NULL WHERE kind = 'claimed'"))


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('actor_pseudonym')
