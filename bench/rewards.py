"""Rewards race benchmark on PostgreSQL: 8 clients race to approve, then to pay, the same 1,000 rewards.

Each client walks all the rewards in its own random order and tries every step on every one, so each reward is
fought over by all 8 (exactly one approval and one payment may win; the others get 409). Printed: completed
approvals per second, completed payments per second, the count of double approvals and double payments (must be 0),
and the ratio against the same number of bare single-row `UPDATE … WHERE version = :v` statements racing the same
way over the same pool of connections in the same run.

A fresh database is created and dropped by the bench (server from BENCH_DATABASE_URL or TEST_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1/test).

    .venv/bin/python bench/rewards.py [N]
"""
import os
import random
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, func, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from reporter import create_app  # noqa: E402
from reporter.accounts.models import User  # noqa: E402
from reporter.accounts.services import create_user  # noqa: E402
from reporter.common.timeutil import utcnow  # noqa: E402
from reporter.errors import AppError  # noqa: E402
from reporter.extensions import db  # noqa: E402
from reporter.reference import load_all  # noqa: E402
from reporter.rewards import services  # noqa: E402
from reporter.rewards.eligibility import CaseFacts, ReportFacts  # noqa: E402
from reporter.rewards.models import LedgerEntry, Reward, RewardPolicy  # noqa: E402

CLIENTS = 8
PAYEE = {"real_name": "张秦岭", "id_number": "11010519491231002X", "payout_account": "6222021234567890123"}


def race(app, work) -> tuple[float, int]:
    """Run work(client_no, session) in CLIENTS threads started together; seconds taken and wins counted."""
    barrier = threading.Barrier(CLIENTS + 1)
    wins = [0] * CLIENTS

    def run(n):
        with app.app_context():
            barrier.wait()
            wins[n] = work(n)
            db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - started, sum(wins)


def order(n: int, ids: list[int]) -> list[int]:
    """The client's own random order over the rewards."""
    mine = list(ids)
    random.Random(n).shuffle(mine)
    return mine


def attempts(action, ids, user_id, **kw):
    """A client trying `action` on every reward; how many it won."""
    def work(n):
        actor = db.session.get(User, user_id[n])
        won = 0
        for reward_id in order(n, ids):
            try:
                action(reward_id, actor, **{k: v(reward_id) if callable(v) else v for k, v in kw.items()})
                won += 1
            except AppError:
                db.session.rollback()
        return won
    return work


def bare_updates(ids):
    """The baseline: each client sends one `UPDATE … WHERE version = :v` per row, autocommitted; the first wins."""
    def work(n):
        won = 0
        with db.engine.connect() as conn:
            for row_id in order(n, ids):
                won += conn.execute(text("UPDATE bench_rows SET version = version + 1 WHERE id = :id AND version = 1"),
                                    {"id": row_id}).rowcount
                conn.commit()
        return won
    return work


def setup(app, n: int):
    """Users, n proposed rewards (each on its own case), a budget large enough, the baseline table."""
    with app.app_context():
        officer = create_user("bench-officer", "bench-password-123", ["reward_officer"]).id
        approvers = [create_user(f"bench-approver-{i}", "bench-password-123", ["reward_approver"]).id
                     for i in range(CLIENTS)]
        resident = create_user("bench-resident", "bench-password-123", ["resident"]).id
        db.session.execute(update(RewardPolicy).values(yearly_budget_fen=n * 1_000_00))
        db.session.commit()
        ids = []
        for case_id in range(1, n + 1):
            report = ReportFacts(report_id=str(uuid.uuid4()), reporter_id=resident, created_at=utcnow(),
                                 wants_reward=True)
            [decision] = services.record_case_closed(CaseFacts(
                case_id=case_id, source="citizen_report", finding="true", closing=0,
                first_event_at=report.created_at, reports=[report]))
            ids.append(decision.reward_id)
        db.session.commit()
        actor = db.session.get(User, officer)
        for reward_id in ids:
            services.propose(reward_id, actor, tier="general", amount_fen=500_00, reason="bench")
        db.session.execute(text("CREATE TABLE bench_rows (id integer primary key, version integer not null)"))
        db.session.execute(text("INSERT INTO bench_rows SELECT g, 1 FROM generate_series(1, :n) g"), {"n": n})
        db.session.commit()
        return officer, approvers, resident, ids


def notify_and_claim(app, officer, resident, ids):
    """Between the races: tell the residents and let them claim (not timed)."""
    with app.app_context():
        staff, payee = db.session.get(User, officer), db.session.get(User, resident)
        for reward_id in ids:
            services.notify(reward_id, staff)
            services.claim(reward_id, payee, **PAYEE)


def doubles(app) -> tuple[int, int]:
    """Rewards with more than one approval or payment in the ledger, or whose state disagrees with it."""
    with app.app_context():
        def repeated(kind):
            per_reward = (select(LedgerEntry.reward_id).where(LedgerEntry.kind == kind)
                          .group_by(LedgerEntry.reward_id).having(func.count() > 1))
            return db.session.execute(select(func.count()).select_from(per_reward.subquery())).scalar()
        unpaid = db.session.execute(select(func.count()).select_from(Reward).where(Reward.state != "paid")).scalar()
        return repeated("approved"), repeated("paid") + unpaid


def main(n: int) -> None:
    base = make_url(os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
                    or "postgresql+psycopg://postgres@127.0.0.1/test")
    name = f"reporter_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": base.set(database=name).render_as_string(hide_password=False),
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": CLIENTS, "max_overflow": 4},
            "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789", "ACCESS_LOG": False,
            "JWT_SECRET_KEY": "bench-jwt-secret-0123456789abcdef0123456789",
            "CONTACT_ENCRYPTION_KEYS": "bench-contact-key", "PAYEE_INDEX_KEYS": "bench-payee-index-key",
            "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024,
            "ARGON2_PARALLELISM": 1})
        with app.app_context():
            upgrade(revision="heads")
            load_all()
        officer, approvers, resident, ids = setup(app, n)
        approve_s, approved = race(app, attempts(services.approve, ids, approvers))
        notify_and_claim(app, officer, resident, ids)
        pay_s, paid = race(app, attempts(services.pay, ids, approvers,
                                         payment_reference=lambda r: f"BANK-{r}-{uuid.uuid4().hex[:6]}"))
        bare_s, bare_won = race(app, bare_updates(ids))
        double_approvals, double_payments = doubles(app)
        with app.app_context():
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    tries = CLIENTS * n
    print(f"{CLIENTS} clients racing over {n} rewards ({tries} attempts per step)")
    print(f"approvals: {approved} completed in {approve_s:.2f} s = {approved / approve_s:.0f} approvals/s")
    print(f"payments:  {paid} completed in {pay_s:.2f} s = {paid / pay_s:.0f} payments/s")
    print(f"bare UPDATE … WHERE version = :v: {tries} statements ({bare_won} won) in {bare_s:.2f} s")
    print(f"double approvals: {double_approvals}  double (or missing) payments: {double_payments}")
    print(f"ratio approval race / bare updates (time): {approve_s / bare_s:.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
