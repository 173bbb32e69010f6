"""The ledger (append-only) and the yearly budgets it accounts for; balances are derived from the entries.

Budget changes are conditional updates on a row locked FOR UPDATE (PostgreSQL), and a CHECK keeps the committed
amount between zero and the total, so no race can overspend a budget.
"""
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from reporter.errors import Conflict
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


def _locked_budget(budget_id: int) -> RewardBudget:
    stmt = select(RewardBudget).where(RewardBudget.id == budget_id).with_for_update()
    return db.session.execute(stmt.execution_options(populate_existing=True)).scalar_one()


def budget_for(unit: Unit, year: int, default_total_fen: int, actor_id: int | None) -> RewardBudget:
    """The unit's budget of that year, locked; created with the policy's yearly amount (and allotted in the ledger)
    the first time it is needed — concurrent first uses end with one row."""
    found = db.session.execute(
        select(RewardBudget.id).where(RewardBudget.unit_id == unit.id, RewardBudget.year == year)).scalar()
    if found is None:
        try:
            with db.session.begin_nested():
                budget = RewardBudget(unit_id=unit.id, year=year, total_fen=default_total_fen, committed_fen=0)
                db.session.add(budget)
                db.session.flush()
                write("allotted", None, actor_id, amount_fen=default_total_fen, budget=budget, before=0,
                      after=default_total_fen, note=f"yearly budget {year} of {unit.code} from the policy")
                db.session.flush()
            found = budget.id
        except IntegrityError:  # another request created it first
            found = db.session.execute(
                select(RewardBudget.id).where(RewardBudget.unit_id == unit.id, RewardBudget.year == year)).scalar_one()
    return _locked_budget(found)


def _move(budget: RewardBudget, delta_fen: int) -> tuple[int, int]:
    """Change the committed amount by `delta_fen` on the locked row, only if it stays within 0..total.

    Returns the available amount before and after; 409 budget_exhausted (with the numbers) otherwise."""
    before = budget.available_fen
    after = before - delta_fen
    done = db.session.execute(
        update(RewardBudget)
        .where(RewardBudget.id == budget.id, RewardBudget.version == budget.version,
               RewardBudget.committed_fen + delta_fen <= RewardBudget.total_fen,
               RewardBudget.committed_fen + delta_fen >= 0)
        .values(committed_fen=RewardBudget.committed_fen + delta_fen, version=RewardBudget.version + 1)
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise Conflict(
            f"The {budget.year} budget has {yuan(before)} yuan left, the reward needs {yuan(delta_fen)} yuan",
            error="budget_exhausted",
            errors={"budget": {"year": budget.year, "total_fen": budget.total_fen,
                               "committed_fen": budget.committed_fen, "available_fen": before,
                               "requested_fen": delta_fen}})
    db.session.expire(budget)
    return before, after


def reserve(budget: RewardBudget, reward: Reward, actor_id: int) -> LedgerEntry:
    """Reserve the reward's amount in the budget and write the approval entry."""
    before, after = _move(budget, reward.amount_fen)
    return write("approved", reward, actor_id, amount_fen=reward.amount_fen, budget=budget, before=before, after=after)


def release(reward: Reward, actor_id: int | None, note: str) -> LedgerEntry:
    """Give the reward's reserved amount back to its budget and write the expiry entry."""
    budget = _locked_budget(reward.budget_id)
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
    increase = new_total_fen - budget.total_fen
    if increase < 0:
        raise Conflict("A yearly budget can be raised, not lowered", error="budget_decrease",
                       errors={"budget": {"total_fen": budget.total_fen, "requested_total_fen": new_total_fen}})
    before = budget.available_fen
    budget.total_fen = new_total_fen
    budget.version += 1
    return write("allotted", None, actor_id, amount_fen=increase, budget=budget, before=before,
                 after=before + increase, note=note)


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
