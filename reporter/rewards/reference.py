"""Reward policy version 1: the defaults of DOMAIN.md "Rewards" (陕西省秦岭生态环境破坏行为举报奖励机制, art. 6)."""
from sqlalchemy import select

from reporter.accounts.roles import REWARD_APPROVER
from reporter.common.timeutil import utcnow
from reporter.extensions import db
from reporter.rewards.models import RewardPolicy, RewardTier

TABLES = {"reward_policies", "reward_tiers"}

# code, name, min and max in fen: 300–1,000, 1,000–3,000 and 3,000–10,000 yuan
TIERS = [
    ("general", "一般", 300_00, 1_000_00),
    ("serious", "较大", 1_000_00, 3_000_00),
    ("major", "重大", 3_000_00, 10_000_00),
]
DEFAULTS = dict(
    note="Defaults of the Shaanxi Qinling reporting reward mechanism", partly_true_percent=50,
    same_day_sharing=False, claim_window_days=60, paying_unit_code="city.qinling_office",
    yearly_budget_fen=500_000_00, finance_roles=[REWARD_APPROVER], excluded_user_ids=[], excluded_unit_codes=[],
)


def load() -> str:
    """Create policy version 1 and make it active when no policy exists yet (idempotent)."""
    if db.session.execute(select(RewardPolicy.id).limit(1)).first() is not None:
        return "reward policy present"
    policy = RewardPolicy(version=1, state="active", activated_at=utcnow(), **DEFAULTS)
    policy.tiers = [RewardTier(code=c, name=n, min_fen=lo, max_fen=hi) for c, n, lo, hi in TIERS]
    db.session.add(policy)
    db.session.flush()
    return "reward policy version 1 loaded"
