"""The ledger (append-only) and the yearly budgets it accounts for; balances are derived from the entries.

Budget changes are single conditional UPDATEs (the database serialises them on the row), and a CHECK keeps the
committed amount between zero and the total, so no race can overspend a budget.
"""
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from reporter.common.timeutil import FIRST_YEAR, LAST_YEAR
from reporter.errors import Conflict, ValidationFailed
from reporter.extensions import db
from reporter.org.models import Unit
from reporter.rewards.models import LedgerEntry, Reward, RewardBudget
from reporter.rewards.money import yuan


def write(kind: str, reward: Reward | None, actor_id: int | None, *, amount_fen: int = 0,
          budget: RewardBudget | None = None, before: int | None = None, after: int | None = None,
          note: str = "") -> LedgerEntry:
    """Append one entry (the caller commits; a repeat of a reward's step violates the unique (reward, kind))."""
    entry = LedgerEntry(kind=kind, reward_id=reward.id if reward else None, budget_id=budget.id if budget else None,
                        actor_id=actor_id, amount_fen=amount_fen, budget_before_fen=before, budget_after_fen=after,
                        note=note[:500])
    db.session.add(entry)
    return entry


def budget_for(unit: Unit, year: int, default_total_fen: int, actor_id: int | None) -> RewardBudget:
    """The unit's budget of that year; created with the policy's yearly amount (and allotted in the ledger) the first
    time it is needed — concurrent first uses end with one row."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(f"A budget year is between {FIRST_YEAR} and {LAST_YEAR}",
                               errors={"path": {"year": [f"Must be between {FIRST_YEAR} and {LAST_YEAR}"]}})
    stmt = select(RewardBudget).where(RewardBudget.unit_id == unit.id, RewardBudget.year == year)
    budget = db.session.execute(stmt).scalar_one_or_none()
    if budget is not None:
        return budget
    try:
        with db.session.begin_nested():
            budget = RewardBudget(unit_id=unit.id, year=year, total_fen=default_total_fen, committed_fen=0)
            db.session.add(budget)
            db.session.flush()
            write("allotted", None, actor_id, amount_fen=default_total_fen, budget=budget, before=0,
                  after=default_total_fen, note=f"yearly budget {year} of {unit.code} from the policy")
            db.session.flush()
        return budget
    except IntegrityError:  # another request created it first
        return db.session.execute(stmt).scalar_one()


def _move(budget: RewardBudget, delta_fen: int) -> tuple[int, int]:
    """Change the committed amount by `delta_fen` in one conditional UPDATE, only if it stays within 0..total.

    The UPDATE takes the row lock and (on PostgreSQL) re-checks its condition on the latest committed row, so
    concurrent approvals queue on the budget for as short a time as possible and can never overspend it; the CHECK
    constraint is the last guard. Returns the available amount before and after; 409 budget_exhausted otherwise."""
    row = db.session.execute(
        update(RewardBudget)
        .where(RewardBudget.id == budget.id, RewardBudget.committed_fen + delta_fen <= RewardBudget.total_fen,
               RewardBudget.committed_fen + delta_fen >= 0)
        .values(committed_fen=RewardBudget.committed_fen + delta_fen, version=RewardBudget.version + 1)
        .returning(RewardBudget.total_fen, RewardBudget.committed_fen)
        .execution_options(synchronize_session=False)).first()
    if row is None:
        db.session.refresh(budget)
        raise Conflict(
            f"The {budget.year} budget has {yuan(budget.available_fen)} yuan left, the reward needs "
            f"{yuan(delta_fen)} yuan", error="budget_exhausted",
            errors={"budget": {"year": budget.year, "total_fen": budget.total_fen,
                               "committed_fen": budget.committed_fen, "available_fen": budget.available_fen,
                               "requested_fen": delta_fen}})
    db.session.expire(budget)
    after = row.total_fen - row.committed_fen
    return after + delta_fen, after


def reserve(budget: RewardBudget, reward: Reward, actor_id: int) -> LedgerEntry:
    """Reserve the reward's amount in the budget and write the approval entry."""
    before, after = _move(budget, reward.amount_fen)
    return write("approved", reward, actor_id, amount_fen=reward.amount_fen, budget=budget, before=before, after=after)


def release(reward: Reward, actor_id: int | None, note: str) -> LedgerEntry:
    """Give the reward's reserved amount back to its budget and write the expiry entry."""
    budget = db.session.get(RewardBudget, reward.budget_id)
    before, after = _move(budget, -reward.amount_fen)
    return write("expired", reward, actor_id, amount_fen=reward.amount_fen, budget=budget, before=before,
                 after=after, note=note)


def record_payment(reward: Reward, actor_id: int, reference: str) -> LedgerEntry:
    """The payment entry: the amount leaves the reserved budget as paid (the available amount does not change)."""
    budget = db.session.get(RewardBudget, reward.budget_id)
    available = budget.available_fen
    return write("paid", reward, actor_id, amount_fen=reward.amount_fen, budget=budget, before=available,
                 after=available, note=f"payment reference {reference}")


def raise_total(budget: RewardBudget, new_total_fen: int, actor_id: int, note: str) -> LedgerEntry:
    """A supplementary allotment (追加预算): the total only grows, so nothing approved is ever left uncovered."""
    row = db.session.execute(
        update(RewardBudget).where(RewardBudget.id == budget.id, RewardBudget.total_fen <= new_total_fen)
        .values(total_fen=new_total_fen, version=RewardBudget.version + 1)
        .returning(RewardBudget.committed_fen, RewardBudget.total_fen)
        .execution_options(synchronize_session=False)).first()
    db.session.refresh(budget)
    if row is None:
        raise Conflict("A yearly budget can be raised, not lowered", error="budget_decrease",
                       errors={"budget": {"total_fen": budget.total_fen, "requested_total_fen": new_total_fen}})
    increase = new_total_fen - db.session.execute(
        select(func.sum(LedgerEntry.amount_fen)).where(LedgerEntry.budget_id == budget.id,
                                                       LedgerEntry.kind == "allotted")).scalar()
    after = row.total_fen - row.committed_fen
    return write("allotted", None, actor_id, amount_fen=increase, budget=budget, before=after - increase,
                 after=after, note=note)


def entries_of(reward_id: int):
    """The ledger entries of one reward, in order."""
    return select(LedgerEntry).where(LedgerEntry.reward_id == reward_id).order_by(LedgerEntry.id)


def balances(year: int | None = None) -> list[dict]:
    """Per budget: allotted, committed, paid and available summed from the ledger, and whether the row agrees."""
    sums = db.session.execute(
        select(LedgerEntry.budget_id, LedgerEntry.kind, func.sum(LedgerEntry.amount_fen))
        .where(LedgerEntry.budget_id.is_not(None)).group_by(LedgerEntry.budget_id, LedgerEntry.kind)).all()
    by_budget: dict[int, dict[str, int]] = {}
    for budget_id, kind, total in sums:
        by_budget.setdefault(budget_id, {})[kind] = int(total or 0)
    stmt = select(RewardBudget, Unit).join(Unit, Unit.id == RewardBudget.unit_id).order_by(RewardBudget.year, Unit.code)
    if year is not None:
        stmt = stmt.where(RewardBudget.year == year)
    rows = []
    for budget, unit in db.session.execute(stmt).all():
        kinds = by_budget.get(budget.id, {})
        allotted = kinds.get("allotted", 0)
        committed = kinds.get("approved", 0) - kinds.get("expired", 0)
        rows.append({
            "unit_code": unit.code, "unit_name": unit.name, "year": budget.year, "allotted_fen": allotted,
            "committed_fen": committed, "paid_fen": kinds.get("paid", 0), "available_fen": allotted - committed,
            "consistent": allotted == budget.total_fen and committed == budget.committed_fen,
        })
    return rows
