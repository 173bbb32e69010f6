"""Reward policy versions and tiers, eligibility decisions, rewards, yearly budgets and the append-only ledger."""
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reporter.common.db import UTCDateTime
from reporter.common.timeutil import utcnow
from reporter.extensions import db

POLICY_STATES = ("draft", "active", "retired")
REWARD_STATES = ("eligible", "proposed", "approved", "rejected", "notified", "claimed", "paid", "expired")
# One ledger kind per step of a reward, plus the allotment of a yearly budget.
LEDGER_KINDS = ("eligible", "proposed", "approved", "rejected", "notified", "claimed", "paid", "expired", "allotted")


def _in(values) -> str:
    return ", ".join(repr(v) for v in values)


class RewardPolicy(db.Model):
    """A version of the reward policy (奖励办法); exactly one is active, an active one is never edited."""

    __tablename__ = "reward_policies"
    __table_args__ = (
        CheckConstraint(f"state IN ({_in(POLICY_STATES)})", name="known_state"),
        CheckConstraint("partly_true_percent BETWEEN 0 AND 100", name="partly_true_percent_range"),
        CheckConstraint("claim_window_days > 0", name="claim_window_positive"),
        CheckConstraint("yearly_budget_fen >= 0", name="budget_not_negative"),
        CheckConstraint("yearly_cap_fen IS NULL OR yearly_cap_fen > 0", name="cap_positive"),
        Index("uq_reward_policies_one_active", "state", unique=True,
              postgresql_where=text("state = 'active'"), sqlite_where=text("state = 'active'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    note: Mapped[str] = mapped_column(String(500), default="")
    partly_true_percent: Mapped[int] = mapped_column(Integer, default=50)  # 部分属实: at most this share of the max
    same_day_sharing: Mapped[bool] = mapped_column(Boolean, default=False)
    claim_window_days: Mapped[int] = mapped_column(Integer, default=60)
    paying_unit_code: Mapped[str] = mapped_column(String(64), default="city.qinling_office")
    yearly_budget_fen: Mapped[int] = mapped_column(BigInteger)
    finance_roles: Mapped[list] = mapped_column(JSON, default=list)          # who may record payments
    excluded_user_ids: Mapped[list] = mapped_column(JSON, default=list)      # never rewarded
    excluded_unit_codes: Mapped[list] = mapped_column(JSON, default=list)    # staff of these units never rewarded
    yearly_cap_fen: Mapped[int | None] = mapped_column(BigInteger)  # per payee ID number and CST year; None: no cap
    exclude_staff_id_numbers: Mapped[bool] = mapped_column(Boolean, default=True)  # staff's registered ID numbers
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tiers: Mapped[list["RewardTier"]] = relationship(
        back_populates="policy", cascade="all, delete-orphan", lazy="selectin", order_by="RewardTier.min_fen")


class RewardTier(db.Model):
    """A tier of a policy (一般, 较大, 重大) with its range in fen."""

    __tablename__ = "reward_tiers"
    __table_args__ = (
        UniqueConstraint("policy_id", "code", name="uq_reward_tiers_policy_code"),
        CheckConstraint("min_fen > 0 AND max_fen >= min_fen", name="range_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("reward_policies.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(32))
    min_fen: Mapped[int] = mapped_column(BigInteger)
    max_fen: Mapped[int] = mapped_column(BigInteger)

    policy: Mapped[RewardPolicy] = relationship(back_populates="tiers")


class EligibilityDecision(db.Model):
    """Why a report of a closed case is or is not eligible for a reward, in words; one per report per closing."""

    __tablename__ = "reward_decisions"
    __table_args__ = (UniqueConstraint("case_id", "report_id", "closing", name="uq_reward_decisions_closing"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    report_id: Mapped[str] = mapped_column(String(36))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closing: Mapped[int] = mapped_column(Integer, default=0)  # the case's reopen count when it closed
    policy_id: Mapped[int] = mapped_column(ForeignKey("reward_policies.id"))
    eligible: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list] = mapped_column(JSON, default=list)  # [{"check", "passed", "text"}]
    reward_id: Mapped[int | None] = mapped_column(ForeignKey("rewards.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RewardBudget(db.Model):
    """The yearly budget of a paying unit; `committed_fen` (approved, not released) never exceeds the total."""

    __tablename__ = "reward_budgets"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", name="uq_reward_budgets_unit_year"),
        CheckConstraint("committed_fen >= 0 AND committed_fen <= total_fen", name="within_total"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)  # CST calendar year of the approval
    total_fen: Mapped[int] = mapped_column(BigInteger)
    committed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @property
    def available_fen(self) -> int:
        """What approvals may still reserve."""
        return self.total_fen - self.committed_fen


class Reward(db.Model):
    """A reward for one report of one case, from eligible to paid (or rejected, or expired)."""

    __tablename__ = "rewards"
    __table_args__ = (
        UniqueConstraint("case_id", "report_id", name="uq_rewards_case_report"),
        CheckConstraint(f"state IN ({_in(REWARD_STATES)})", name="known_state"),
        CheckConstraint("amount_fen IS NULL OR amount_fen > 0", name="amount_positive"),
        CheckConstraint("share_count >= 1", name="share_count_positive"),
        CheckConstraint("proposed_by IS NULL OR approved_by IS NULL OR proposed_by <> approved_by",
                        name="two_people"),
        Index("ix_rewards_state_deadline", "state", "claim_deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    report_id: Mapped[str] = mapped_column(String(36))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    tracking_code: Mapped[str | None] = mapped_column(String(32))
    claim_pin_hash: Mapped[str | None] = mapped_column(String(255))  # anonymous reports prove code + PIN to claim
    policy_id: Mapped[int] = mapped_column(ForeignKey("reward_policies.id"))
    paying_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # set when approved
    finding: Mapped[str] = mapped_column(String(16))
    share_count: Mapped[int] = mapped_column(Integer, default=1)  # same-day reporters sharing the case's reward
    state: Mapped[str] = mapped_column(String(16), default="eligible")
    tier_code: Mapped[str | None] = mapped_column(String(32))
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    proposal_reason: Mapped[str | None] = mapped_column(Text)
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    budget_id: Mapped[int | None] = mapped_column(ForeignKey("reward_budgets.id"))
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # {"name", "id_number", "account"} encrypted at rest with the contact-details keys (reporter.reports.crypto)
    payee_ciphertext: Mapped[str | None] = mapped_column(Text)
    # A keyed hash (blind index) of the payee's ID number: the same person is recognised across accounts and claims
    # without decrypting anything (reporter.reports.crypto.blind_index, keys PAYEE_INDEX_KEYS).
    payee_index: Mapped[str | None] = mapped_column(String(64), index=True)
    # Claims refused for the desk's eyes only (a staff member's ID number, the yearly cap): [{"kind","text","at"}]
    claim_refusals: Mapped[list | None] = mapped_column(JSON, default=list)
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version}


class StaffIdNumber(db.Model):
    """A staff member's ID number, registered so that no reward is paid to it (staff exclusion by ID number): kept
    encrypted for key rotation, and as a blind index for matching."""

    __tablename__ = "staff_id_numbers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    id_number_ciphertext: Mapped[str] = mapped_column(Text)  # {"id_number"} under the contact keys
    id_index: Mapped[str] = mapped_column(String(64), index=True)
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerEntry(db.Model):
    """One step of one reward (or a budget allotment): who, when, how much, the budget before and after.

    Append-only: no code path updates or deletes an entry (the ORM refuses to), and each step of a reward can be
    written once — the unique (reward, kind) is what makes a second approval or payment impossible.
    """

    __tablename__ = "reward_ledger"
    __table_args__ = (
        UniqueConstraint("reward_id", "kind", name="uq_reward_ledger_reward_kind"),
        CheckConstraint(f"kind IN ({_in(LEDGER_KINDS)})", name="known_kind"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
        CheckConstraint("budget_after_fen IS NULL OR budget_after_fen >= 0", name="budget_never_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reward_id: Mapped[int | None] = mapped_column(ForeignKey("rewards.id"), index=True)
    budget_id: Mapped[int | None] = mapped_column(ForeignKey("reward_budgets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system (sweep, case closing)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    budget_before_fen: Mapped[int | None] = mapped_column(BigInteger)  # available in the budget before this step
    budget_after_fen: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(String(500), default="")


@event.listens_for(LedgerEntry, "before_update")
@event.listens_for(LedgerEntry, "before_delete")
def _append_only(_mapper, _connection, entry: LedgerEntry) -> None:
    raise RuntimeError(f"reward ledger entries are append-only (entry {entry.id})")
