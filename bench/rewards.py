"""Rewards payment race over HTTP: 16 clients race to record payment of the same rewards on gunicorn + PostgreSQL.

The real app (gunicorn.conf.py, sync workers, 4 by default) serves a PostgreSQL database the bench creates and
drops. Rewards are made claimed and ready to pay through the services (as tests/rewards does), finance staff sign in
over HTTP (password: a fresh token, as paying demands). Then, round after round, 16 client threads each walk the
round's rewards in their own random order and, for every one, GET it, take its ETag and POST .../pay with If-Match
and a payment reference of their own. Exactly one POST per reward may succeed.

Counted from what no unique constraint deduplicates: the 2xx pay answers (per reward and in all) against the
number of rewards, the money the ledger says left (sum of its paid amounts) and the budgets' paid and committed
figures (GET /api/v1/rewards/budgets) against the sum of the amounts of the rewards in state paid, and the payment
references the winners were answered with against the ones stored. Each reward has an amount of its own, so a
double payment changes every sum. Exits 1 on any double (bench/verdict.py); throughput is printed, not judged
(the machine is shared).

    .venv/bin/python bench/rewards.py [--rewards 10] [--rounds 15] [--clients 16] [--workers 4]
"""
import argparse
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402

from bench.cases import database  # noqa: E402
from bench.verdict import Verdict  # noqa: E402
from tests.faults.servers import SECRETS, Gunicorn, migrate  # noqa: E402

PASSWORD = "bench-password-123"
FINANCE = 4  # finance staff (reward_approver, neither proposer nor approver); client n signs in as n % FINANCE
PAYEE = {"real_name": "张秦岭", "id_number": "11010519491231002X", "payout_account": "6222021234567890123"}
REFUSED = (409, 412)  # already paid (invalid_transition) or changed since the GET (If-Match)


def amount_of(i: int) -> int:
    """An amount of its own for the i-th reward, within the general tier (300–1,000 yuan)."""
    return 300_00 + (i * 137) % 70_000


def prepare(url: str, total: int) -> list[list[int]]:
    """Staff, and `total` rewards proposed, approved, notified and claimed through the services; their ids."""
    from reporter import create_app
    from reporter.accounts.models import User
    from reporter.accounts.services import create_user
    from reporter.common.timeutil import utcnow
    from reporter.extensions import db
    from reporter.privacy.consent import accept, current_notice
    from reporter.rewards import services
    from reporter.rewards.eligibility import CaseFacts, ReportFacts
    from reporter.rewards.models import RewardPolicy

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": tempfile.mkdtemp(), **SECRETS,
                      "ACCESS_LOG": False, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024, "ARGON2_PARALLELISM": 1})
    with app.app_context():
        officer = create_user("bench-officer", PASSWORD, ["reward_officer"])
        approver = create_user("bench-approver", PASSWORD, ["reward_approver"])
        resident = create_user("bench-resident", PASSWORD, ["resident"])
        accept(resident, current_notice().version)  # claiming needs the privacy notice accepted
        for n in range(FINANCE):
            create_user(f"bench-finance-{n}", PASSWORD, ["reward_approver"])
        db.session.execute(update(RewardPolicy).values(yearly_budget_fen=total * 1_000_00))
        db.session.commit()
        ids = []
        for i in range(total):
            report = ReportFacts(report_id=str(uuid.uuid4()), reporter_id=resident.id, created_at=utcnow(),
                                 wants_reward=True)
            [decision] = services.record_case_closed(CaseFacts(
                case_id=i + 1, source="citizen_report", finding="true", closing=0,
                first_event_at=report.created_at, reports=[report]))
            db.session.commit()
            staff = (db.session.get(User, officer.id), db.session.get(User, approver.id))
            services.propose(decision.reward_id, staff[0], tier="general", amount_fen=amount_of(i), reason="bench")
            services.approve(decision.reward_id, staff[1])
            services.notify(decision.reward_id, staff[0])
            services.claim(decision.reward_id, db.session.get(User, resident.id), **PAYEE)
            ids.append(decision.reward_id)
        db.session.remove()
        db.engine.dispose()
    return ids


def sign_in(base: str, username: str) -> dict:
    """Bearer headers of a fresh password sign-in."""
    resp = requests.post(f"{base}/api/v1/auth/login", json={"username": username, "password": PASSWORD}, timeout=30)
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


class Tally:
    """What the clients were answered: winners per reward with the reference each was told, and every status."""

    def __init__(self):
        self.lock = threading.Lock()
        self.wins: Counter[int] = Counter()
        self.references: set[str] = set()
        self.statuses: Counter[int] = Counter()
        self.requests = 0
        self.contended = 0  # pay POSTs sent after a GET that still saw the reward unpaid: the real fights

    def add(self, reward_id: int, get_status: int, pay: requests.Response | None, unpaid: bool = False) -> None:
        with self.lock:
            self.requests += 1 if pay is None else 2
            self.contended += unpaid
            self.statuses[get_status] += get_status != 200
            if pay is None:
                return
            self.statuses[pay.status_code] += 1
            if 200 <= pay.status_code < 300:
                self.wins[reward_id] += 1
                self.references.add(pay.json()["payment_reference"])


def race(base: str, headers: list[dict], ids: list[int], tally: Tally, client_seed: int) -> float:
    """All clients at once over the same rewards, each in its own order; the seconds taken."""
    barrier = threading.Barrier(len(headers) + 1)

    def client(n: int) -> None:
        mine = list(ids)
        random.Random(client_seed + n).shuffle(mine)
        with requests.Session() as http:
            http.headers.update(headers[n])
            barrier.wait()
            for reward_id in mine:
                got = http.get(f"{base}/api/v1/rewards/{reward_id}", timeout=60)
                if got.status_code != 200:
                    tally.add(reward_id, got.status_code, None)
                    continue
                reference = f"BANK-{reward_id}-{n}-{uuid.uuid4().hex[:8]}"
                paid = http.post(f"{base}/api/v1/rewards/{reward_id}/pay", json={"payment_reference": reference},
                                 headers={"If-Match": got.headers["ETag"]}, timeout=60)
                tally.add(reward_id, 200, paid, unpaid=got.json()["state"] != "paid")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(len(headers))]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def stored(url: str) -> dict:
    """What the database holds once the races are over (read directly, after the server stopped answering)."""
    from sqlalchemy import create_engine

    from reporter.rewards.models import LedgerEntry, Reward

    engine = create_engine(url)
    with engine.connect() as conn:
        paid = conn.execute(select(func.count(), func.coalesce(func.sum(Reward.amount_fen), 0))
                            .where(Reward.state == "paid")).one()
        ledger = conn.execute(select(func.count(), func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
                              .where(LedgerEntry.kind == "paid")).one()
        references = set(conn.execute(select(Reward.payment_reference)
                                      .where(Reward.payment_reference.is_not(None))).scalars())
        approved = conn.execute(select(func.coalesce(func.sum(Reward.amount_fen), 0))
                                .where(Reward.budget_id.is_not(None))).scalar_one()
    engine.dispose()
    return {"paid_rewards": paid[0], "paid_rewards_fen": int(paid[1]), "ledger_rows": ledger[0],
            "ledger_fen": int(ledger[1]), "references": references, "approved_fen": int(approved)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rewards", type=int, default=10, help="rewards raced over per round")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    opts = parser.parse_args()
    total = opts.rewards * opts.rounds
    tally, seconds = Tally(), 0.0
    with database(False) as url, tempfile.TemporaryDirectory() as tmp:
        migrate(url)
        started = time.perf_counter()
        ids = prepare(url, total)
        print(f"{total} rewards claimed and ready to pay in {time.perf_counter() - started:.1f} s (not timed)",
              flush=True)
        server = Gunicorn(Path(tmp), url, workers=opts.workers)
        try:
            server.start(timeout=180)  # several workers boot slowly on a busy machine
            finance = [sign_in(server.url, f"bench-finance-{n}") for n in range(FINANCE)]
            headers = [finance[n % FINANCE] for n in range(opts.clients)]
            for r in range(opts.rounds):
                seconds += race(server.url, headers, ids[r * opts.rewards:(r + 1) * opts.rewards], tally, r * 1000)
            budgets = requests.get(f"{server.url}/api/v1/rewards/budgets", headers=finance[0], timeout=30)
            assert budgets.status_code == 200, budgets.text
        finally:
            server.stop()
        db = stored(url)
    paid_fen = sum(b["paid_fen"] for b in budgets.json())
    committed_fen = sum(b["committed_fen"] for b in budgets.json())
    answers_2xx = sum(tally.wins.values())
    unexpected = sum(count for status, count in tally.statuses.items()
                     if not (200 <= status < 300 or status in REFUSED))
    doubles = sum(wins - 1 for wins in tally.wins.values() if wins > 1)

    print(f"{opts.clients} clients ({FINANCE} finance staff) on gunicorn with {opts.workers} workers, {opts.rounds} "
          f"rounds of {opts.rewards} rewards: {tally.requests} requests (GET + POST pay) in {seconds:.2f} s")
    print(f"answers: {dict(sorted(tally.statuses.items()))} (GETs counted only when not 200)")
    print(f"pay POSTs sent on an unpaid read: {tally.contended} ({tally.contended - answers_2xx} lost the race)")
    print(f"2xx pay answers {answers_2xx} for {total} rewards; rewards paid {db['paid_rewards']}, "
          f"ledger payments {db['ledger_rows']}")
    print(f"fen: paid rewards' amounts {db['paid_rewards_fen']}, ledger paid {db['ledger_fen']}, "
          f"budgets paid {paid_fen}, budgets committed {committed_fen} (approved amounts {db['approved_fen']})")
    print(f"throughput: {tally.requests / seconds:.0f} requests/s, {total / seconds:.1f} payments/s "
          f"({opts.clients * total / seconds:.0f} pay attempts/s)")
    verdict = Verdict("rewards")
    verdict.exactly("double payments", doubles, 0)
    verdict.exactly("2xx pay answers - rewards", answers_2xx - total, 0)
    verdict.exactly("rewards left unpaid", total - db["paid_rewards"], 0)
    verdict.exactly("ledger paid fen - paid rewards' fen", db["ledger_fen"] - db["paid_rewards_fen"], 0)
    verdict.exactly("budgets paid fen - paid rewards' fen", paid_fen - db["paid_rewards_fen"], 0)
    verdict.exactly("budgets committed fen - approved rewards' fen", committed_fen - db["approved_fen"], 0)
    verdict.exactly("winners' references not stored", len(tally.references - db["references"]), 0)
    verdict.exactly("unexpected answers (not 2xx, 409, 412)", unexpected, 0)
    verdict.exit()


if __name__ == "__main__":
    main()
