"""Retention limits and the daily sweep (`flask privacy sweep`): what has outlived its purpose is erased, in
batches, idempotently, with counts per kind printed and recorded.

Nothing erased here feeds a past month's bulletin: the bulletin reads case events, feedback ratings, the reward
ledger and the patrol summaries, and none of those is touched (contacts, payees, raw points, keys, orphan uploads and
message payloads are not part of any figure). Access logs are not in the database: nginx's logrotate and journald
keep them for ACCESS_LOG_DAYS (see deploy/ and the README)."""
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import Select, delete, select, update

from reporter.cases.models import Case
from reporter.common.timeutil import utcnow
from reporter.extensions import db
from reporter.idempotency.services import purge as purge_idempotency_keys
from reporter.media.services import purge_orphans
from reporter.notify.models import OutboxMessage
from reporter.patrols.models import Patrol, TrackPoint
from reporter.patrols.points import keep_simplified
from reporter.privacy.models import SweepRun
from reporter.reports.models import Report
from reporter.rewards.models import Reward

# Defaults, each overridable by an environment variable of the same name (README "Configuration" gives the reasons).
DEFAULTS = {
    "PRIVACY_CONTACT_DAYS": 365,             # contact details of a report, counted from its case's closing
    "PRIVACY_PAYEE_DAYS": 30 * 365,          # payee details of a paid reward, from the payment (会计档案: 30 years)
    "PRIVACY_PATROL_POINTS_DAYS": 400,       # raw patrol points, from the patrol's end (summaries stay)
    "PRIVACY_TRACK_SIMPLIFY_M": 20,          # the tolerance of the track kept in their place
    "PRIVACY_IDEMPOTENCY_HOURS": 48,         # stored Idempotency-Keys with their first responses
    "PRIVACY_ORPHAN_UPLOAD_HOURS": 24,       # uploads never attached, and files no upload refers to
    "PRIVACY_NOTIFICATION_DAYS": 180,        # delivered or failed messages with their payloads
    "PRIVACY_SWEEP_BATCH": 500,              # rows per commit
}


def setting(name: str):
    """A retention setting: the app's config, or the default."""
    return current_app.config.get(name, DEFAULTS[name])


def _batched(ids: Select, apply: Callable[[list], None]) -> int:
    """Apply to the ids the query finds, a batch per commit, until it finds none (each apply makes its rows stop
    matching, so a rerun or a concurrent run finds only what is left)."""
    done, batch = 0, int(setting("PRIVACY_SWEEP_BATCH"))
    while True:
        found = list(db.session.execute(ids.limit(batch)).scalars())
        if not found:
            return done
        apply(found)
        db.session.commit()
        done += len(found)


def erase_contacts(now) -> int:
    """Contact details of reports whose case has been closed longer than PRIVACY_CONTACT_DAYS."""
    cutoff = now - timedelta(days=setting("PRIVACY_CONTACT_DAYS"))
    ids = (select(Report.id).join(Case, Case.id == Report.case_id)
           .where(Report.contact_ciphertext.is_not(None), Case.state == "closed", Case.closed_at < cutoff)
           .order_by(Report.id))
    return _batched(ids, lambda found: db.session.execute(
        update(Report).where(Report.id.in_(found)).values(contact_ciphertext=None)
        .execution_options(synchronize_session=False)))


def erase_payees(now) -> int:
    """Payee details of rewards paid longer ago than PRIVACY_PAYEE_DAYS (the ledger entries stay)."""
    cutoff = now - timedelta(days=setting("PRIVACY_PAYEE_DAYS"))
    ids = (select(Reward.id).where(Reward.payee_ciphertext.is_not(None), Reward.state == "paid",
                                   Reward.paid_at < cutoff).order_by(Reward.id))
    # A direct UPDATE: the reward's version is not bumped, no desk action is overtaken by a retention limit.
    return _batched(ids, lambda found: db.session.execute(
        update(Reward).where(Reward.id.in_(found)).values(payee_ciphertext=None)
        .execution_options(synchronize_session=False)))


def _simplify_patrols(found: list[str]) -> None:
    tolerance = float(setting("PRIVACY_TRACK_SIMPLIFY_M"))
    for patrol in db.session.execute(select(Patrol).where(Patrol.id.in_(found)).with_for_update()).scalars():
        keep_simplified(patrol, tolerance)
        db.session.execute(delete(TrackPoint).where(TrackPoint.patrol_id == patrol.id)
                           .execution_options(synchronize_session=False))


def erase_patrol_points(now) -> int:
    """Raw points of patrols ended longer ago than PRIVACY_PATROL_POINTS_DAYS; the track is kept simplified and the
    summary (what the monthly figures read) as it was. Counts patrols."""
    cutoff = now - timedelta(days=setting("PRIVACY_PATROL_POINTS_DAYS"))
    ids = (select(Patrol.id).where(Patrol.finished.is_(True), Patrol.points_erased_at.is_(None),
                                   Patrol.ended_at < cutoff).order_by(Patrol.id))
    return _batched(ids, _simplify_patrols)


def erase_notifications(now) -> int:
    """Messages delivered (or given up) longer ago than PRIVACY_NOTIFICATION_DAYS, with their payloads."""
    cutoff = now - timedelta(days=setting("PRIVACY_NOTIFICATION_DAYS"))
    ids = (select(OutboxMessage.id).where(OutboxMessage.state.in_(("sent", "failed")),
                                          OutboxMessage.created_at < cutoff).order_by(OutboxMessage.id))
    return _batched(ids, lambda found: db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.id.in_(found)).execution_options(synchronize_session=False)))


def sweep(now=None) -> dict[str, int]:
    """Run every erasure; record and return the counts per kind."""
    now = now or utcnow()
    run = SweepRun(started_at=utcnow(), counts={})
    counts = {
        "report_contacts": erase_contacts(now),
        "reward_payees": erase_payees(now),
        "patrol_point_sets": erase_patrol_points(now),
        "notifications": erase_notifications(now),
        "idempotency_keys": purge_idempotency_keys(timedelta(hours=setting("PRIVACY_IDEMPOTENCY_HOURS"))),
    }
    counts["orphan_uploads"], counts["orphan_files"] = purge_orphans(
        timedelta(hours=setting("PRIVACY_ORPHAN_UPLOAD_HOURS")))
    run.counts, run.finished_at = counts, utcnow()
    db.session.add(run)
    db.session.commit()
    return counts
