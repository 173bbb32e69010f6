"""The reward flow: decisions when a case closes, then propose → approve/reject → notify → claim → pay, or expire.

Each step is one unit of work: lock the reward (SELECT … FOR UPDATE), check the transition, the If-Match version and
who is acting, change the state, append the ledger entry, audit, commit once.
"""
import hmac
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from reporter.accounts.models import User
from reporter.accounts.passwords import verify_password
from reporter.audit.services import record
from reporter.common.concurrency import etag_of
from reporter.common.timeutil import CST, as_utc, utcnow
from reporter.errors import Conflict, Forbidden, NotFound, PreconditionFailed, ValidationFailed
from reporter.extensions import db
from reporter.notify.services import enqueue
from reporter.org.models import Unit
from reporter.privacy.consent import require_consent
from reporter.reports import pseudonym
from reporter.reports.crypto import decrypt_contact, encrypt_contact, register_ciphertexts
from reporter.reports.models import Report
from reporter.reports.reactions import notify_reward_decided
from reporter.reports.services import normalize_code
from reporter.rewards import integrity, ledger
from reporter.rewards.eligibility import CaseFacts, decide, repeat_verdict
from reporter.rewards.idnumber import mask
from reporter.rewards.models import EligibilityDecision, Reward, RewardPolicy
from reporter.rewards.money import yuan
from reporter.rewards.policies import active_policy, amount_range, policy_facts, tier_of
from reporter.rewards.workflow import NOT_DESK_ACTIONS, TRANSITIONS, target_of

ONE_REWARD = {"check": "one_reward", "passed": False,
              "text": "The case already has a reward from an earlier closing; a reopened case pays once"}


def etag(reward: Reward) -> str:
    """The reward's ETag (changes with every step)."""
    return etag_of("reward", reward.id, reward.version)


def record_case_closed(facts: CaseFacts) -> list[EligibilityDecision]:
    """Decide eligibility for every report of a closed case and create the rewards (the caller commits).

    Runs inside the closing's unit of work. A case that already has rewards (closed before, reopened) gets its
    decisions recorded but no second reward."""
    policy = active_policy()
    verdicts = decide(facts, policy_facts(policy))
    # A recurrence (反弹回潮) that reopened the case may be rewarded again; any other reopening pays once.
    already = None if facts.recurrence_report_ids else db.session.execute(
        select(Reward.id).where(Reward.case_id == facts.case_id).limit(1)).first()
    winners = [v for v in verdicts if v.eligible] if already is None else []
    decisions = []
    for verdict in verdicts:
        reasons = list(verdict.reasons)
        if already is not None and verdict.eligible:
            reasons.append(ONE_REWARD)
        decision = EligibilityDecision(
            case_id=facts.case_id, report_id=verdict.report.report_id, reporter_id=verdict.report.reporter_id,
            closing=facts.closing, policy_id=policy.id, eligible=verdict in winners, reasons=reasons)
        if verdict in winners:
            decision.reward_id = _new_reward(facts, verdict.report, policy, len(winners)).id
        db.session.add(decision)
        decisions.append(decision)
    db.session.flush()
    return decisions


def record_repeats(case_id: int, closing: int, case_number: str, reports) -> list[EligibilityDecision]:
    """Reports rejected as repeating a closed case: a decision each, not eligible, with the reason (caller commits)."""
    policy = active_policy()
    decisions = []
    for report in reports:
        verdict = repeat_verdict(report, case_number)
        decision = EligibilityDecision(case_id=case_id, report_id=report.report_id, reporter_id=report.reporter_id,
                                       closing=closing, policy_id=policy.id, eligible=False, reasons=verdict.reasons)
        db.session.add(decision)
        decisions.append(decision)
    db.session.flush()
    return decisions


def _new_reward(facts: CaseFacts, report, policy: RewardPolicy, share_count: int) -> Reward:
    reward = Reward(case_id=facts.case_id, report_id=report.report_id, reporter_id=report.reporter_id,
                    anonymous=report.anonymous, tracking_code=report.tracking_code,
                    claim_pin_hash=report.claim_pin_hash, policy_id=policy.id, finding=facts.finding,
                    share_count=share_count, state="eligible")
    db.session.add(reward)
    db.session.flush()
    ledger.write("eligible", reward, None, note=f"case {facts.case_id} closed; policy version {policy.version}")
    return reward


def _lock(reward_id: int) -> Reward:
    """The reward, locked for this transaction and read afresh; 404 when unknown."""
    stmt = select(Reward).where(Reward.id == reward_id).with_for_update()
    reward = db.session.execute(stmt.execution_options(populate_existing=True)).scalar_one_or_none()
    if reward is None:
        raise NotFound("No such reward")
    return reward


def _begin(reward_id: int, action: str, expected: int | None, guard=None) -> tuple[Reward, str]:
    """Lock the reward, run the guard (who may act), check the transition, then the If-Match version; return it
    with its next state."""
    reward = _lock(reward_id)
    if guard is not None:
        guard(reward)
    target = target_of(action, reward.state)
    if expected is not None and reward.version != expected:
        raise PreconditionFailed()
    return reward, target


def _finish(reward: Reward, actor_id: int | None, action: str, *, resident_id: int | None = None,
            **details) -> Reward:
    """Audit the step and commit it; a concurrent duplicate that slipped past the lock ends as 409, not twice.

    A resident's step (the claim) is audited under a keyed pseudonym with the report id, never their account id."""
    if resident_id is not None:
        pseudonym.record_resident_act(resident_id, reward.report_id, f"reward.{action}", "reward", reward.id,
                                      details=details)
    else:
        record(actor_id, f"reward.{action}", "reward", reward.id, reason=details.pop("reason", None),
               details=details)
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError) as exc:
        db.session.rollback()
        raise Conflict(f"The reward was changed by someone else; its {action} was not recorded twice",
                       error="conflict") from exc
    return reward


def propose(reward_id: int, actor: User, *, tier: str, amount_fen: int, reason: str,
            expected_version: int | None = None) -> Reward:
    """拟定: the reward officer picks a tier and an amount within it (422 outside), with a reason."""
    reward, target = _begin(reward_id, "propose", expected_version)
    policy = db.session.get(RewardPolicy, reward.policy_id)
    low, high = amount_range(policy, tier_of(policy, tier), reward.finding, reward.share_count)
    if not low <= amount_fen <= high:
        why = (" (部分属实: capped)" if reward.finding == "partly_true" else "") + (
            f" (shared by {reward.share_count})" if reward.share_count > 1 else "")
        raise ValidationFailed(f"Tier {tier} allows {yuan(low)} to {yuan(high)} yuan for this reward{why}",
                               errors={"json": {"amount_fen": [f"Must be between {low} and {high} fen{why}"]}})
    reward.state, reward.tier_code, reward.amount_fen = target, tier, amount_fen
    reward.proposal_reason, reward.proposed_by, reward.proposed_at = reason, actor.id, utcnow()
    ledger.write("proposed", reward, actor.id, amount_fen=amount_fen, note=reason)
    return _finish(reward, actor.id, "propose", reason=reason, tier=tier, amount_fen=amount_fen)


def approve(reward_id: int, actor: User, *, comment: str | None = None,
            expected_version: int | None = None) -> Reward:
    """审批: another person than the proposer approves; the amount is reserved in the paying unit's yearly budget."""
    reward, target = _begin(reward_id, "approve", expected_version)
    if reward.proposed_by == actor.id:
        raise Forbidden("The person who proposed a reward cannot approve it", error="same_person")
    policy = db.session.get(RewardPolicy, reward.policy_id)
    unit = db.session.execute(select(Unit).where(Unit.code == policy.paying_unit_code)).scalar_one_or_none()
    if unit is None:
        raise Conflict(f"The policy's paying unit {policy.paying_unit_code} does not exist", error="no_paying_unit")
    now = utcnow()
    budget = ledger.budget_for(unit, now.astimezone(CST).year, policy.yearly_budget_fen, actor.id)
    reward.state, reward.approved_by, reward.decided_at = target, actor.id, now
    reward.paying_unit_id, reward.budget_id = unit.id, budget.id
    db.session.flush()  # the reward first: the budget row is then held only for its UPDATE, the entry and the commit
    ledger.reserve(budget, reward, actor.id)
    return _finish(reward, actor.id, "approve", reason=comment, amount_fen=reward.amount_fen, budget_id=budget.id)


def _tell_resident(reward: Reward, *, approved: bool, reason: str | None = None) -> None:
    """The decision goes to the resident through the outbox: as the reports feature's subscribe message about their
    report; a reward whose report is gone gets a message of its own."""
    report = db.session.get(Report, reward.report_id)
    if report is not None:
        notify_reward_decided(report, approved=approved, amount_fen=reward.amount_fen, reason=reason)
        return
    enqueue(reward.reporter_id, "reward_decided", {
        "reward_id": reward.id, "case_id": reward.case_id, "approved": approved,
        "amount_yuan": yuan(reward.amount_fen) if approved else None, "reason": reason,
        "fields": {"phrase2": "奖励已核定" if approved else "不予奖励",
                   "thing3": f"奖励金额{yuan(reward.amount_fen)}元" if approved else (reason or "不予奖励"),
                   "time4": utcnow().astimezone(CST).strftime("%Y-%m-%d %H:%M")}})


def reject(reward_id: int, actor: User, *, reason: str, expected_version: int | None = None) -> Reward:
    """不予奖励, with the reason the resident is told."""
    reward, target = _begin(reward_id, "reject", expected_version)
    reward.state, reward.rejection_reason, reward.decided_at = target, reason, utcnow()
    ledger.write("rejected", reward, actor.id, note=reason)
    _tell_resident(reward, approved=False, reason=reason)
    return _finish(reward, actor.id, "reject", reason=reason)


def notify(reward_id: int, actor: User, *, expected_version: int | None = None) -> Reward:
    """告知: the resident is told the amount and the claim deadline through the outbox; the claim window starts."""
    reward, target = _begin(reward_id, "notify", expected_version)
    policy = db.session.get(RewardPolicy, reward.policy_id)
    reward.state, reward.notified_at = target, utcnow()
    reward.claim_deadline = reward.notified_at + timedelta(days=policy.claim_window_days)
    ledger.write("notified", reward, actor.id, amount_fen=reward.amount_fen,
                 note=f"claim by {reward.claim_deadline.astimezone(CST):%Y-%m-%d %H:%M} CST")
    _tell_resident(reward, approved=True)
    return _finish(reward, actor.id, "notify")


def _proof_ok(reward: Reward, tracking_code: str | None, pin: str | None) -> bool:
    """An anonymous reporter's proof: the report's tracking code and (when one was set) its claim PIN."""
    code_ok = hmac.compare_digest(normalize_code(tracking_code or ""), normalize_code(reward.tracking_code or ""))
    pin_ok = verify_password(reward.claim_pin_hash, pin or "") if reward.claim_pin_hash else True
    return code_ok and pin_ok and bool(reward.tracking_code)


def claim(reward_id: int, actor: User, *, real_name: str, id_number: str, payout_account: str,
          tracking_code: str | None = None, pin: str | None = None,
          expected_version: int | None = None) -> Reward:
    """领取: the reporter confirms and gives payee details (stored encrypted); anonymous reporters prove code + PIN."""
    def owner_with_proof(reward: Reward) -> None:
        if reward.reporter_id != actor.id:
            raise NotFound("No such reward")
        if reward.anonymous and not _proof_ok(reward, tracking_code, pin):
            raise Forbidden("The tracking code or claim PIN is wrong", error="claim_proof_failed")

    require_consent(actor)
    reward, target = _begin(reward_id, "claim", expected_version, owner_with_proof)
    now = utcnow()
    if as_utc(reward.claim_deadline) < now:
        raise Conflict("The claim window has closed", error="claim_window_closed",
                       errors={"claim_deadline": [reward.claim_deadline.isoformat()]})
    reward.payee_index, refused = integrity.check_claim(reward, db.session.get(RewardPolicy, reward.policy_id),
                                                        id_number)
    if refused is not None:
        _refuse_claim(reward, refused)
    reward.state, reward.claimed_at = target, now
    reward.payee_ciphertext = encrypt_contact(
        {"name": real_name.strip(), "id_number": id_number.strip().upper(), "account": payout_account.strip()})
    ledger.write("claimed", reward, None, amount_fen=reward.amount_fen, note=f"{pseudonym.REPORTER} (report "
                 f"{reward.report_id})")  # the claimant is the reward's reporter: no account id in the ledger
    return _finish(reward, None, "claim", resident_id=actor.id)


def _refuse_claim(reward: Reward, refused: dict) -> None:
    """Keep the refusal for the desk (audited without the claimant), commit it, and answer the claimant: a staff ID
    number gets a neutral answer, the yearly cap its own."""
    earlier = [r for r in reward.claim_refusals or [] if r["kind"] != refused["kind"]]
    same = next((r for r in reward.claim_refusals or [] if r["kind"] == refused["kind"]), None)
    reward.claim_refusals = [*earlier, {**refused, "attempts": (same or {}).get("attempts", 0) + 1}]  # bounded
    reward.payee_index = None
    record(None, "reward.claim_refused", "reward", reward.id, details={"kind": refused["kind"]})
    db.session.commit()
    if refused["kind"] == "yearly_cap":
        raise Conflict("This ID number has reached the yearly reward cap; the claim cannot be accepted this year",
                       error="yearly_cap_reached")
    raise Conflict("The claim cannot be accepted; please contact the reward desk (奖励办)", error="claim_refused")


def _is_finance(actor: User, policy: RewardPolicy) -> bool:
    return actor.has_role(*(policy.finance_roles or ()))


def pay(reward_id: int, actor: User, *, payment_reference: str, expected_version: int | None = None) -> Reward:
    """兑付: finance records the payment reference; a reward is paid exactly once."""
    reward, target = _begin(reward_id, "pay", expected_version)
    policy = db.session.get(RewardPolicy, reward.policy_id)
    if not _is_finance(actor, policy):
        raise Forbidden(f"Recording payments needs one of the roles {', '.join(policy.finance_roles)}")
    if actor.id in (reward.proposed_by, reward.approved_by):  # three people: proposer ≠ approver ≠ payer
        raise Forbidden("The person who proposed or approved a reward cannot record its payment", error="same_person")
    reward.state, reward.paid_by, reward.paid_at, reward.payment_reference = target, actor.id, utcnow(), \
        payment_reference
    ledger.record_payment(reward, actor.id, payment_reference)
    return _finish(reward, actor.id, "pay", payment_reference=payment_reference, amount_fen=reward.amount_fen)


def expire_due(now=None) -> int:
    """逾期: every notified reward past its claim deadline expires and its reserved amount goes back to the budget.

    One commit per reward; a reward claimed meanwhile is left alone."""
    now = now or utcnow()
    due = db.session.execute(select(Reward.id).where(Reward.state == "notified", Reward.claim_deadline < now)
                             .order_by(Reward.id)).scalars().all()
    done = 0
    for reward_id in due:
        reward = _lock(reward_id)
        if reward.state != "notified" or as_utc(reward.claim_deadline) >= now:
            db.session.rollback()
            continue
        reward.state, reward.expired_at = target_of("expire", reward.state), now
        ledger.release(reward, None, note=f"unclaimed since {reward.notified_at.astimezone(CST):%Y-%m-%d} CST")
        _finish(reward, None, "expire", amount_fen=reward.amount_fen)
        done += 1
    return done


def forfeit(reward_id: int, note: str) -> Reward:
    """放弃: the resident gives up an unpaid reward on cancelling their account; a reserved amount goes back to the
    budget and payee details given for it are erased (nothing was paid). Part of the caller's unit of work."""
    reward = _lock(reward_id)
    reward.state, reward.expired_at = target_of("forfeit", reward.state), utcnow()
    if reward.budget_id is not None:  # approved: its amount was reserved
        ledger.release(reward, None, note=note)
    else:
        ledger.write("expired", reward, None, note=note)
    reward.payee_ciphertext = None
    record(None, "reward.forfeit", "reward", reward.id, details={"amount_fen": reward.amount_fen})
    return reward


def get_reward(reward_id: int) -> Reward:
    """One reward for the desk; 404 when unknown."""
    reward = db.session.get(Reward, reward_id)
    if reward is None:
        raise NotFound("No such reward")
    return reward


def rewards_query(state: str | None = None, case_id: int | None = None):
    """The desk's list, newest first, filtered by state and case."""
    stmt = select(Reward).order_by(Reward.id.desc())
    if state:
        stmt = stmt.where(Reward.state == state)
    if case_id is not None:
        stmt = stmt.where(Reward.case_id == case_id)
    return stmt


def state_counts() -> dict[str, int]:
    """How many rewards are in each state (the desk's tabs)."""
    rows = db.session.execute(select(Reward.state, func.count()).group_by(Reward.state)).all()
    return {state: int(count) for state, count in rows}


def with_claim_refusals(limit: int = 200) -> list[Reward]:
    """Rewards awaiting their claim whose claims were refused (staff ID number, yearly cap), newest first."""
    stmt = select(Reward).where(Reward.state == "notified").order_by(Reward.id.desc()).limit(limit * 5)
    return [r for r in db.session.execute(stmt).scalars() if r.claim_refusals][:limit]


def mine_query(user: User):
    """A resident's own rewards, newest first."""
    return select(Reward).where(Reward.reporter_id == user.id).order_by(Reward.id.desc())


def decisions_query(case_id: int | None = None):
    """Eligibility decisions, newest first, optionally of one case."""
    stmt = select(EligibilityDecision).order_by(EligibilityDecision.id.desc())
    return stmt if case_id is None else stmt.where(EligibilityDecision.case_id == case_id)


def masked_payee(reward: Reward) -> dict | None:
    """The payee as the desk lists it: surname, ID number and account masked."""
    if reward.payee_ciphertext is None:
        return None
    payee = decrypt_contact(reward.payee_ciphertext)
    name, account = payee["name"], payee["account"]
    return {"name": name[:1] + "*" * (len(name) - 1), "id_number": mask(payee["id_number"]),
            "account": "*" * max(len(account) - 4, 0) + account[-4:]}


def payee_details(reward_id: int, actor: User) -> dict:
    """The decrypted payee for finance to make the transfer; every view is audited."""
    reward = get_reward(reward_id)
    policy = db.session.get(RewardPolicy, reward.policy_id)
    if not _is_finance(actor, policy):
        raise Forbidden("Only finance sees payee details")
    if reward.payee_ciphertext is None:
        raise Conflict("The reward has not been claimed", error="not_claimed")
    record(actor.id, "reward.view_payee", "reward", reward.id)
    db.session.commit()
    payee = decrypt_contact(reward.payee_ciphertext)
    return {"reward_id": reward.id, "name": payee["name"], "id_number": payee["id_number"],
            "payout_account": payee["account"], "amount_fen": reward.amount_fen, "amount_yuan": yuan(reward.amount_fen)}


def raise_budget(actor: User, unit_code: str, year: int, total_fen: int, reason: str) -> dict:
    """追加预算: set a paying unit's yearly total higher, with a reason (the policy's amount is the starting
    allotment); audited with the totals before and after."""
    if not reason.strip():
        raise ValidationFailed("A budget raise needs a reason", errors={"json": {"reason": ["Required."]}})
    unit = db.session.execute(select(Unit).where(Unit.code == unit_code)).scalar_one_or_none()
    if unit is None:
        raise NotFound("No such unit")
    budget = ledger.budget_for(unit, year, active_policy().yearly_budget_fen, actor.id)
    before = budget.total_fen
    ledger.raise_total(budget, total_fen, actor.id, reason)
    record(actor.id, "reward_budget.raise", "reward_budget", budget.id, reason=reason,
           details={"unit_code": unit_code, "year": year, "total_fen_before": before, "total_fen": total_fen})
    db.session.commit()
    return next(row for row in ledger.balances(year) if row["unit_code"] == unit_code)


def allowed_actions(reward: Reward) -> list[str]:
    """The actions the reward's state allows (for the desk's buttons)."""
    return [name for name, t in TRANSITIONS.items() if reward.state in t.sources and name not in NOT_DESK_ACTIONS]


register_ciphertexts("reward payees", Reward, "payee_ciphertext")
