"""A month built by hand (October 2026, National Day inside it) through the case, report and reward services."""
from datetime import datetime

import pytest
from sqlalchemy import select, update

from reporter.accounts.models import User
from reporter.cases import services as cases
from reporter.common.timeutil import CST
from reporter.reports.models import ReportFeedback
from reporter.reports.schemas import ReportIn
from reporter.reports.services import give_feedback, submit_report
from reporter.rewards.models import LedgerEntry, Reward
from tests.cases.conftest import NINGSHAN, RESULT_FALSE, world  # noqa: F401  (the case tests' people and grid)
from tests.conftest import app_ctx
from tests.rewards.support import Desk, claim_body

RESULT_TRUE = {"finding": "true", "measures": "已责令停止砍伐，补种树苗"}  # with evidence photos


def cst(month: int, day: int, hour: int = 10) -> datetime:
    """An instant in 2026, CST."""
    return datetime(2026, month, day, hour, tzinfo=CST)


class Builder:
    """Drives cases, reports, ratings and rewards at chosen times, through the features' own services."""

    def __init__(self, case_world):
        self.w = case_world

    def act(self, case_id: int, who: str, action: str, at: datetime | None, **payload) -> None:
        with app_ctx(self.w.app) as session:
            cases.perform(case_id, action, session.get(User, self.w.ids[who]), payload, expected_version=None, at=at)

    def run(self, case_id: int, steps) -> int:
        for at, who, action, payload in steps:
            self.act(case_id, who, action, at, **payload)
        return case_id

    def resident(self, name: str) -> int:
        uid = self.w.users.make("resident")
        with app_ctx(self.w.app) as session:
            session.get(User, uid).display_name = name
            session.commit()
        return uid

    def report(self, resident_id: int, at: datetime, *, contact: dict) -> dict:
        """A named report with one photo, submitted at `at` (the service's own backdating parameter)."""
        photo = self.w.upload(resident_id, purpose="report")
        body = {"category": "illegal_logging", "description": "山上有人砍树，已砍倒多棵",
                "location": {"lat": NINGSHAN[0], "lng": NINGSHAN[1], "address": "宁陕县城关镇"},
                "photo_ids": [photo], "anonymous": False, "wants_reward": True, "contact": contact}
        with app_ctx(self.w.app) as session:
            report = submit_report(session.get(User, resident_id), ReportIn().load(body), None, at=at)
            return {"id": report.id, "case_id": report.case_id, "tracking_code": report.tracking_code}

    def rate(self, resident_id: int, report_id: str, rating: int, at: datetime | None = None) -> None:
        """The resident's rating; `give_feedback` stamps the present, so a rating of the past is moved to `at`."""
        with app_ctx(self.w.app) as session:
            give_feedback(session.get(User, resident_id), report_id, {"rating": rating})
            if at is not None:
                session.execute(update(ReportFeedback).where(ReportFeedback.report_id == report_id)
                                .values(created_at=at))
                session.commit()

    def reward_paid(self, case_id: int, resident_id: int, amount_fen: int, at: datetime) -> int:
        """Propose, approve, notify, claim and pay the case's reward over HTTP, then move its ledger entries to `at`
        (the rewards service stamps the present and has no parameter for the past)."""
        desk = Desk(self.w.client, self.w.users)
        with app_ctx(self.w.app) as session:
            reward_id = session.execute(select(Reward.id).where(Reward.case_id == case_id)).scalar_one()
        desk.to_notified(reward_id, amount_fen)
        claimed = self.w.client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(),
                                     headers=self.w.h(resident_id))
        assert claimed.status_code == 200, claimed.get_json()
        assert desk.pay(reward_id).status_code == 200
        with app_ctx(self.w.app) as session:
            session.execute(update(LedgerEntry).where(LedgerEntry.reward_id == reward_id).values(at=at))
            session.commit()
        return reward_id


@pytest.fixture()
def build(world):  # noqa: F811
    return Builder(world)


def close_steps(accept_on, sign_on, result_on, verify_on, close_on, *, finding=RESULT_FALSE):
    """From submitted to closed, on the given days."""
    return [(accept_on, "city_sup", "accept", {}), (accept_on, "city_sup", "dispatch", {}),
            (sign_on, "officer", "sign", {}), (result_on, "officer", "submit_result", finding),
            (verify_on, "city_sup", "verify", {"result": "pass"}), (close_on, "city_sup", "close", {})]


@pytest.fixture()
def october(world, build):  # noqa: F811
    """Five cases in 宁陕 with known October figures (see test_bulletin for the answers)."""
    ids = {}
    ids["resident"] = build.resident("王秦岭")
    ids["resident2"] = build.resident("李汉江")
    a = build.report(ids["resident"], cst(9, 29), contact={"name": "王秦岭", "phone": "13912345678"})
    ids["report_a"], ids["a"], ids["tracking_a"] = a["id"], a["case_id"], a["tracking_code"]
    # A: opened 29 Sep; the sign deadline (1 working day after 30 Sep) is 8 Oct because of National Day: on time.
    evidence = ids["evidence"] = world.upload("officer")
    build.run(ids["a"], [(cst(9, 30), "city_sup", "accept", {}), (cst(9, 30), "city_sup", "dispatch", {}),
                         (cst(10, 8), "officer", "sign", {})])
    second = build.report(ids["resident2"], cst(10, 9), contact={"name": "李汉江", "phone": "13787654321"})
    assert second["case_id"] == ids["a"]  # a duplicate joins case A
    ids["report_a2"] = second["id"]
    build.run(ids["a"], [(cst(10, 12), "officer", "submit_result", {**RESULT_TRUE, "photo_ids": [evidence]}),
                         (cst(10, 13), "city_sup", "verify", {"result": "pass"}),
                         (cst(10, 14), "city_sup", "close", {})])
    build.rate(ids["resident"], ids["report_a"], 5, cst(10, 15))
    build.reward_paid(ids["a"], ids["resident"], 50_000, cst(10, 20))
    # B: a rework, then verified one working day late (due 21 Oct, verified 22 Oct).
    ids["b"] = world.open(at=cst(10, 9))
    build.run(ids["b"], [(cst(10, 9), "city_sup", "accept", {}), (cst(10, 9), "city_sup", "dispatch", {}),
                         (cst(10, 10), "officer", "sign", {}), (cst(10, 12), "officer", "submit_result", RESULT_FALSE),
                         (cst(10, 13), "city_sup", "verify", {"result": "fail", "reason": "现场仍有伐桩未处理"}),
                         (cst(10, 14), "officer", "submit_result", RESULT_FALSE),
                         (cst(10, 22), "city_sup", "verify", {"result": "pass"}),
                         (cst(10, 22), "city_sup", "close", {})])
    # C: closed on 16 Oct, reopened on 21 Oct (open at the month's end, not overdue).
    ids["c"] = world.open(at=cst(10, 12))
    build.run(ids["c"], close_steps(cst(10, 12), cst(10, 13), cst(10, 14), cst(10, 15), cst(10, 16)))
    build.act(ids["c"], "city_sup", "reopen", cst(10, 21), reason="回头看发现仍有盗伐")
    # D: returned once, dispatched again, never signed (sign due 16 Oct): overdue at the month's end; 督办 due 30 Oct.
    ids["d"] = world.open(at=cst(10, 13))
    build.run(ids["d"], [(cst(10, 13), "city_sup", "accept", {}), (cst(10, 13), "city_sup", "dispatch", {}),
                         (cst(10, 14), "officer", "return", {"reason": "不属于本单位职责"}),
                         (cst(10, 15), "city_sup", "dispatch", {}),
                         (cst(10, 20), "city_sup", "supervise", {"level": "city", "due": "2026-10-30",
                                                                "reason": "群众反映强烈"})])
    # E: rejected.
    ids["e"] = world.open(at=cst(10, 20))
    build.act(ids["e"], "city_sup", "reject", cst(10, 21), reason_code="insufficient")
    return ids
