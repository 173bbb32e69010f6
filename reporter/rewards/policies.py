"""Reward policy versions (draft → active → retired) and the amounts a policy allows."""
from sqlalchemy import func, select, update

from reporter.audit.services import record
from reporter.common.timeutil import utcnow
from reporter.errors import Conflict, NotFound, ValidationFailed
from reporter.extensions import db
from reporter.rewards.eligibility import PolicyFacts
from reporter.rewards.models import RewardPolicy, RewardTier


def active_policy() -> RewardPolicy:
    """The policy in force; 409 when none is active (run `flask reference load`)."""
    policy = db.session.execute(select(RewardPolicy).where(RewardPolicy.state == "active")).scalar_one_or_none()
    if policy is None:
        raise Conflict("No reward policy is active", error="no_active_policy")
    return policy


def policy_facts(policy: RewardPolicy) -> PolicyFacts:
    """What the eligibility rules read of a policy."""
    return PolicyFacts(same_day_sharing=policy.same_day_sharing,
                       excluded_user_ids=frozenset(policy.excluded_user_ids or ()),
                       excluded_unit_codes=frozenset(policy.excluded_unit_codes or ()))


def tier_of(policy: RewardPolicy, code: str) -> RewardTier:
    """The policy's tier with this code; 422 when it has none."""
    for tier in policy.tiers:
        if tier.code == code:
            return tier
    raise ValidationFailed(f"The policy has no tier {code!r}",
                           errors={"json": {"tier": [f"One of: {', '.join(t.code for t in policy.tiers)}"]}})


def amount_range(policy: RewardPolicy, tier: RewardTier, finding: str, share_count: int = 1) -> tuple[int, int]:
    """The smallest and largest amount in fen one reward may get: the tier's range, at most the policy's share of the
    maximum for 部分属实, divided among same-day sharers."""
    high = tier.max_fen
    if finding == "partly_true":
        high = tier.max_fen * policy.partly_true_percent // 100
    low = min(tier.min_fen, high)
    return -(-low // share_count), high // share_count


def list_policies():
    """Every policy version, newest first."""
    return select(RewardPolicy).order_by(RewardPolicy.version.desc())


def get_policy(policy_id: int) -> RewardPolicy:
    """One policy version; 404 when unknown."""
    policy = db.session.get(RewardPolicy, policy_id)
    if policy is None:
        raise NotFound("No such reward policy")
    return policy


def create_draft(actor_id: int, data: dict) -> RewardPolicy:
    """A new policy version as a draft (tiers included)."""
    tiers = data.pop("tiers")
    codes = [t["code"] for t in tiers]
    if len(set(codes)) != len(codes):
        raise ValidationFailed("Tier codes repeat", errors={"json": {"tiers": ["Each tier code once"]}})
    version = (db.session.execute(select(func.max(RewardPolicy.version))).scalar() or 0) + 1
    policy = RewardPolicy(version=version, state="draft", **data)
    policy.tiers = [RewardTier(**t) for t in tiers]
    db.session.add(policy)
    db.session.flush()
    record(actor_id, "reward_policy.draft", "reward_policy", policy.id, details={"version": version})
    db.session.commit()
    return policy


def activate(actor_id: int, policy_id: int) -> RewardPolicy:
    """Make a draft the active policy; the previous one is retired (rewards keep the version they were decided on)."""
    policy = get_policy(policy_id)
    if policy.state != "draft":
        raise Conflict(f"Only a draft can be activated; version {policy.version} is {policy.state}",
                       error="invalid_transition")
    db.session.execute(update(RewardPolicy).where(RewardPolicy.state == "active").values(state="retired"))
    policy.state, policy.activated_at = "active", utcnow()
    record(actor_id, "reward_policy.activate", "reward_policy", policy.id, details={"version": policy.version})
    db.session.commit()
    return policy
