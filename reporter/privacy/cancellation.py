"""Account cancellation (注销): the person is removed; what the law or the public interest needs stays, unlinked.

One unit of work: the account row is locked, the rewards are settled as the resident chose, reports reduced to what
an anonymous report keeps, pending uploads, messages, keys and consents deleted, every session ended, the openid
and names erased, and one audit event without the person's identity. A later sign-in with the same WeChat account
finds no openid and starts a new, unrelated account.
"""
from collections.abc import Callable

from sqlalchemy import delete, select, update

from reporter.accounts.models import AuthSession, User
from reporter.accounts.roles import RESIDENT
from reporter.audit.services import record
from reporter.common.timeutil import utcnow
from reporter.errors import Conflict, Forbidden
from reporter.extensions import db
from reporter.idempotency.models import IdempotencyKey
from reporter.media.services import delete_pending_uploads, remove_unreferenced_files
from reporter.notify.models import OutboxMessage
from reporter.privacy.models import Consent
from reporter.reports.models import Report, ReportFeedback
from reporter.rewards import services as rewards
from reporter.rewards.models import Reward

CANCELLED_NAME = "已注销用户"
UNCLAIMED = ("eligible", "proposed", "approved", "notified")  # forfeited only when the resident confirms it
CLAIMED_CHOICES = ("pay", "forfeit")  # a claimed reward not yet paid: paid later (payee kept), or forfeited
FORFEIT_NOTE = "forfeited by the resident on cancelling the account (注销)"

WHY = {
    "cases_and_evidence": "The cases you reported and their photos are a public-interest record of the problem and "
                          "its handling (they stay, anonymous: no name, contact or WeChat identity).",
    "reward_ledger": "Reward ledger entries are the append-only accounts of public money; they name no person.",
    "payee_records": "For a paid (or to-be-paid) reward, the payee record finance must keep under the accounting "
                     "archive rules stays encrypted, readable only by finance as before, until its retention ends.",
}

# Steps other features add to a cancellation (each runs inside the unit of work and returns counts to report).
# The payee ID-number blind index of claims (issue 15) keeps its rows for the year's cap: a step registered here must
# never copy it onto, or compare it with, any account — a later account of the same person stays unrelated.
_STEPS: list[tuple[str, Callable[[User], dict]]] = []


def register_step(name: str, step: Callable[[User], dict]) -> None:
    """Add a feature's own erasure to every cancellation (step(user) → counts; no commit)."""
    _STEPS.append((name, step))


def _lock_user(user_id: int) -> User:
    # FOR UPDATE waits for submissions under way (their reports reference the row); only the row, not the joined unit
    stmt = select(User).where(User.id == user_id).with_for_update(of=User)
    return db.session.execute(stmt.execution_options(populate_existing=True)).scalar_one()


def _settle_rewards(user: User, forfeit_unclaimed: bool, claimed_choice: str | None) -> dict:
    """Refuse (409) without the resident's word on each open reward; then forfeit or keep as chosen."""
    open_rewards = list(db.session.execute(select(Reward).where(
        Reward.reporter_id == user.id, Reward.state.in_((*UNCLAIMED, "claimed"))).order_by(Reward.id)).scalars())
    unclaimed = [r.id for r in open_rewards if r.state in UNCLAIMED]
    claimed = [r.id for r in open_rewards if r.state == "claimed"]
    if unclaimed and not forfeit_unclaimed:
        raise Conflict("You have unclaimed rewards: confirm that you give them up (forfeit_unclaimed: true), or "
                       "claim them first", error="forfeit_confirmation_required",
                       errors={"json": {"forfeit_unclaimed": [f"Rewards {unclaimed} would be forfeited."]}})
    if claimed and claimed_choice not in CLAIMED_CHOICES:
        raise Conflict("You have claimed rewards not yet paid: choose to have them paid (payee details kept) or to "
                       "forfeit them", error="claimed_reward_choice_required",
                       errors={"json": {"claimed_rewards": [f"Rewards {claimed}: 'pay' or 'forfeit'."]}})
    forfeited = unclaimed + (claimed if claimed_choice == "forfeit" else [])
    for reward_id in forfeited:
        rewards.forfeit(reward_id, FORFEIT_NOTE)
    db.session.execute(update(Reward).where(Reward.reporter_id == user.id).values(claim_pin_hash=None)
                       .execution_options(synchronize_session=False))
    payee_kept = db.session.execute(select(Reward.id).where(
        Reward.reporter_id == user.id, Reward.payee_ciphertext.is_not(None)).order_by(Reward.id)).scalars().all()
    return {"forfeited": forfeited, "to_be_paid": claimed if claimed_choice == "pay" else [],
            "payee_records_kept": list(payee_kept)}


def _anonymise_reports(user: User) -> int:
    """Named reports become what an anonymous report keeps: no contact, no PIN; ratings stay without comments."""
    report_ids = select(Report.id).where(Report.reporter_id == user.id)
    count = db.session.execute(update(Report).where(Report.reporter_id == user.id)
                               .values(anonymous=True, contact_ciphertext=None, claim_pin_hash=None)
                               .execution_options(synchronize_session=False)).rowcount
    db.session.execute(update(ReportFeedback).where(ReportFeedback.report_id.in_(report_ids))
                       .values(comment=None).execution_options(synchronize_session=False))
    return count


def _delete_where(model, column, user_id: int) -> int:
    return db.session.execute(delete(model).where(column == user_id)
                              .execution_options(synchronize_session=False)).rowcount


def cancel(user_id: int, *, forfeit_unclaimed: bool = False, claimed_rewards: str | None = None) -> dict:
    """注销 the resident's account; the answer says what was erased, what stays and why. A repeat changes nothing."""
    user = _lock_user(user_id)
    if user.cancelled_at is not None:
        db.session.rollback()
        return {"cancelled_at": user.cancelled_at, "already_cancelled": True, "erased": {}, "kept": [],
                "rewards": {"forfeited": [], "to_be_paid": [], "payee_records_kept": []}}
    if set(user.roles) != {RESIDENT}:
        raise Forbidden("Staff accounts are closed by an administrator", error="staff_account")
    try:
        settled = _settle_rewards(user, forfeit_unclaimed, claimed_rewards)
        pending = delete_pending_uploads(user.id)
        erased = {
            "reports_made_anonymous": _anonymise_reports(user),
            "pending_uploads": len(pending),
            "notifications": _delete_where(OutboxMessage, OutboxMessage.recipient_id, user.id),
            "idempotency_keys": _delete_where(IdempotencyKey, IdempotencyKey.user_id, user.id),
            "consents": _delete_where(Consent, Consent.user_id, user.id),
            "sessions_ended": db.session.execute(
                update(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
                .values(revoked_at=utcnow(), revoked_reason="account_cancelled")
                .execution_options(synchronize_session=False)).rowcount,
        }
        for name, step in _STEPS:
            erased[name] = step(user)
        now = utcnow()
        user.wechat_openid, user.username, user.password_hash = None, None, None
        user.display_name, user.is_active, user.cancelled_at = CANCELLED_NAME, False, now
        kept = [{"what": "cases_and_evidence", "count": erased["reports_made_anonymous"],
                 "why": WHY["cases_and_evidence"]},
                {"what": "reward_ledger", "why": WHY["reward_ledger"]}]
        if settled["payee_records_kept"]:
            kept.append({"what": "payee_records", "reward_ids": settled["payee_records_kept"],
                         "why": WHY["payee_records"]})
        # Audited without identity: no actor, no target, no ids that lead back to the person.
        record(None, "account.cancel", "account", None, details={
            "reports_made_anonymous": erased["reports_made_anonymous"],
            "rewards_forfeited": len(settled["forfeited"]), "rewards_to_be_paid": len(settled["to_be_paid"])})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    remove_unreferenced_files(pending)
    return {"cancelled_at": now, "already_cancelled": False, "erased": erased, "kept": kept, "rewards": settled}
