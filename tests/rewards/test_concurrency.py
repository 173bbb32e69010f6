"""Races on PostgreSQL with real parallel connections: exactly one approval, one payment, a budget never overspent."""
import threading

import pytest
from sqlalchemy import func, select

from reporter.accounts.models import User
from reporter.errors import AppError
from reporter.extensions import db
from reporter.rewards import services
from reporter.rewards.models import LedgerEntry, Reward, RewardBudget
from tests.conftest import app_ctx
from tests.rewards.support import claim_body, make_reward, set_policy

ROUNDS = 20
pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("real row locks need PostgreSQL")


def race(app, *calls) -> list[str]:
    """Run the calls at the same moment, each in its own thread, app context and connection; their outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = [""] * len(calls)

    def run(i, call):
        with app_ctx(app):
            barrier.wait()
            try:
                call()
                outcomes[i] = "ok"
            except AppError as exc:
                db.session.rollback()
                outcomes[i] = exc.error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def as_user(user_id: int) -> User:
    return db.session.get(User, user_id)


def step(action, reward_id: int, user_id: int, **kw):
    return lambda: action(reward_id, as_user(user_id), **kw)


def proposed(app, officer: int, resident: int, amount_fen: int) -> int:
    reward_id = make_reward(app, resident)
    with app_ctx(app):
        services.propose(reward_id, as_user(officer), tier="general", amount_fen=amount_fen, reason="核实属实")
    return reward_id


def ledger_count(reward_id: int, kind: str) -> int:
    return db.session.execute(select(func.count()).select_from(LedgerEntry)
                              .where(LedgerEntry.reward_id == reward_id, LedgerEntry.kind == kind)).scalar()


def test_two_approvers_at_once_exactly_one_wins(app, users):
    officer, resident = users.make("reward_officer"), users.make("resident")
    approvers = [users.make("reward_approver") for _ in range(2)]
    for _ in range(ROUNDS):
        reward_id = proposed(app, officer, resident, 50_000)
        outcomes = race(app, *(step(services.approve, reward_id, a) for a in approvers))
        assert sorted(outcomes) == ["invalid_transition", "ok"], outcomes
        with app_ctx(app):
            assert ledger_count(reward_id, "approved") == 1
    with app_ctx(app):
        budget = db.session.execute(select(RewardBudget)).scalar_one()
        assert budget.committed_fen == ROUNDS * 50_000


def test_two_payment_recordings_at_once_pay_once(app, users):
    officer, resident = users.make("reward_officer"), users.make("resident")
    approver, finance, other_finance = (users.make("reward_approver") for _ in range(3))
    for n in range(ROUNDS):
        reward_id = proposed(app, officer, resident, 40_000)
        with app_ctx(app):
            services.approve(reward_id, as_user(approver))
            services.notify(reward_id, as_user(officer))
            services.claim(reward_id, as_user(resident), **claim_body())
        outcomes = race(app, step(services.pay, reward_id, other_finance, payment_reference=f"BANK-{n}-A"),
                        step(services.pay, reward_id, finance, payment_reference=f"BANK-{n}-B"))
        assert sorted(outcomes) == ["invalid_transition", "ok"], outcomes
        with app_ctx(app):
            assert ledger_count(reward_id, "paid") == 1
            assert db.session.get(Reward, reward_id).payment_reference in {f"BANK-{n}-A", f"BANK-{n}-B"}


def test_approvals_racing_budget_exhaustion_never_overspend(app, users):
    set_policy(app, yearly_budget_fen=ROUNDS * 3 * 30_000 + 10_000)  # room for 3 of 4 in every round, plus change
    officer, resident = users.make("reward_officer"), users.make("resident")
    approvers = [users.make("reward_approver") for _ in range(4)]
    won = 0
    for _ in range(ROUNDS):
        rewards = [proposed(app, officer, resident, 30_000) for _ in approvers]
        outcomes = race(app, *(step(services.approve, r, a) for r, a in zip(rewards, approvers, strict=True)))
        assert set(outcomes) <= {"ok", "budget_exhausted"}, outcomes
        won += outcomes.count("ok")
    with app_ctx(app):
        budget = db.session.execute(select(RewardBudget)).scalar_one()
        approved = db.session.execute(select(func.sum(LedgerEntry.amount_fen))
                                      .where(LedgerEntry.kind == "approved")).scalar()
        assert won == ROUNDS * 3  # every reward that fitted got through, none beyond
        assert budget.committed_fen == approved == won * 30_000 <= budget.total_fen
        lowest = db.session.execute(select(func.min(LedgerEntry.budget_after_fen))).scalar()
        assert lowest == 10_000
