"""Issue 14 §2: three people for one reward (proposer ≠ approver ≠ payer); budget years bounded; a raise has a
reason and is audited."""
import pytest
from sqlalchemy import func, select

from reporter.audit.models import AuditEvent
from reporter.extensions import db
from reporter.rewards.models import LedgerEntry, RewardBudget
from tests.api.test_frame import assert_error
from tests.conftest import app_ctx
from tests.rewards.support import Desk, claim_body, make_reward, reward_row

BUDGET = "/api/v1/rewards/budgets/city.qinling_office/"


def claimed_reward(app, client, users, desk) -> int:
    resident = users.make("resident")
    reward_id = make_reward(app, resident)
    desk.to_notified(reward_id)
    assert client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(),
                       headers=users.headers(resident)).status_code == 200
    return reward_id


def test_the_approver_cannot_record_the_payment(app, client, users):
    desk = Desk(client, users)
    reward_id = claimed_reward(app, client, users, desk)
    refused = desk.act(reward_id, "pay", desk.approver_h, {"payment_reference": "BANK-SELF-1"})
    assert_error(refused, 403, "same_person")
    assert reward_row(app, reward_id)["state"] == "claimed"
    assert desk.pay(reward_id, "BANK-OTHER-1").status_code == 200  # another finance person does


def test_the_proposer_cannot_record_the_payment_even_holding_the_finance_role(app, client, users):
    desk = Desk(client, users)
    both = users.make("reward_officer", "reward_approver")
    both_h = users.headers(both)
    resident = users.make("resident")
    reward_id = make_reward(app, resident)
    assert desk.act(reward_id, "propose", both_h, {"tier": "general", "amount_fen": 50_000,
                                                   "reason": "核实属实"}).status_code == 200
    assert desk.approve(reward_id).status_code == 200 and desk.notify(reward_id).status_code == 200
    client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(), headers=users.headers(resident))
    assert_error(desk.act(reward_id, "pay", both_h, {"payment_reference": "BANK-SELF-2"}), 403, "same_person")
    assert desk.pay(reward_id).status_code == 200


@pytest.mark.parametrize("year", [0, 1, 1999, 2100, 99999])
def test_budget_years_are_bounded(app, client, users, year):
    desk = Desk(client, users)
    resp = client.put(BUDGET + str(year), json={"total_fen": 1_000_000_00, "reason": "年度追加"},
                      headers=desk.approver_h)
    assert resp.status_code in (404, 422), resp.get_json()
    assert resp.get_json()["code"] == resp.status_code  # the one error shape
    with app_ctx(app):
        assert db.session.execute(select(func.count()).select_from(RewardBudget)).scalar() == 0
    listed = client.get("/api/v1/rewards/budgets", headers=desk.approver_h, query_string={"year": 2100})
    assert listed.status_code == 422


def test_a_budget_raise_needs_a_reason_and_is_audited(app, client, users):
    desk = Desk(client, users)
    for body in ({"total_fen": 900_000_00}, {"total_fen": 900_000_00, "reason": ""},
                 {"total_fen": 900_000_00, "reason": "   "}):
        assert_error(client.put(BUDGET + "2026", json=body, headers=desk.approver_h), 422, "validation_failed")
    with app_ctx(app):
        assert db.session.execute(select(func.count()).select_from(RewardBudget)).scalar() == 0
    reason = "市财政追加预算（安财发〔2026〕12号）"
    raised = client.put(BUDGET + "2026", json={"total_fen": 900_000_00, "reason": reason}, headers=desk.approver_h)
    assert raised.status_code == 200, raised.get_json()
    with app_ctx(app):
        event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "reward_budget.raise")).scalar_one()
        assert event.actor_id == desk.approver and event.reason == reason
        assert event.details["year"] == 2026 and event.details["unit_code"] == "city.qinling_office"
        assert event.details["total_fen"] == 900_000_00 and event.details["total_fen_before"] == 500_000_00
        note = db.session.execute(select(LedgerEntry.note).order_by(LedgerEntry.id.desc())).scalars().first()
        assert note == reason
