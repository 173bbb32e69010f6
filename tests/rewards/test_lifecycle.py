"""Decisions at closing (reopened cases pay once), expiry by the sweep, policy versions, the ledger's immutability."""
import pytest
from sqlalchemy import select

from reporter.extensions import db
from reporter.rewards.models import LedgerEntry
from tests.conftest import app_ctx
from tests.rewards.support import (
    Desk,
    backdate_deadline,
    case_facts,
    claim_body,
    close_case,
    make_reward,
    report_facts,
    reward_row,
    set_policy,
)


def test_every_report_gets_a_decision_and_a_reopened_case_does_not_pay_twice(app, client, users):
    first, second = users.make("resident"), users.make("resident")
    facts = case_facts(report_facts(first), report_facts(second))
    decisions = close_case(app, facts)
    assert [d["eligible"] for d in decisions] == [True, False]
    reopened = case_facts(*facts.reports, case_id=facts.case_id, closing=1)
    again = close_case(app, reopened)
    assert [d["eligible"] for d in again] == [False, False]
    assert any(r["check"] == "one_reward" for r in again[0]["reasons"])
    desk = Desk(client, users)
    listed = client.get(f"/api/v1/rewards?case_id={facts.case_id}", headers=desk.officer_h).get_json()
    assert listed["total"] == 1
    shown = client.get(f"/api/v1/rewards/decisions?case_id={facts.case_id}", headers=desk.officer_h).get_json()
    assert shown["total"] == 4
    assert {r["check"] for r in shown["items"][-1]["reasons"]} >= {"finding", "first_reporter"}


def test_same_day_sharers_split_the_tier(app, client, users):
    set_policy(app, same_day_sharing=True)
    a, b = users.make("resident"), users.make("resident")
    decisions = close_case(app, case_facts(report_facts(a), report_facts(b)))
    assert [d["eligible"] for d in decisions] == [True, True]
    desk = Desk(client, users)
    share = decisions[1]["reward_id"]
    assert reward_row(app, share)["share_count"] == 2
    assert desk.propose(share, 500_01).status_code == 422   # more than half of the 1,000 yuan maximum
    assert desk.propose(share, 500_00).status_code == 200


def test_unclaimed_rewards_expire_and_release_the_budget(app, client, users):
    desk = Desk(client, users)
    resident = users.make("resident")
    stale, fresh = make_reward(app, resident), make_reward(app, resident)
    desk.to_notified(stale, 70_000)
    desk.to_notified(fresh, 30_000)
    before = client.get("/api/v1/rewards/budgets", headers=desk.officer_h).get_json()[0]
    assert before["committed_fen"] == 100_000
    backdate_deadline(app, stale, days=1)
    result = app.test_cli_runner().invoke(args=["rewards", "sweep"])
    assert result.exit_code == 0 and "expired=1" in result.output
    assert reward_row(app, stale)["state"] == "expired" and reward_row(app, fresh)["state"] == "notified"
    after = client.get("/api/v1/rewards/budgets", headers=desk.officer_h).get_json()[0]
    assert after["committed_fen"] == 30_000 and after["available_fen"] == before["available_fen"] + 70_000
    assert after["consistent"]
    late = client.post(f"/api/v1/rewards/{stale}/claim", json=claim_body(), headers=users.headers(resident))
    assert late.status_code == 409
    assert "expired=0" in app.test_cli_runner().invoke(args=["rewards", "sweep"]).output


def test_claim_after_the_deadline_but_before_the_sweep_is_refused(app, client, users):
    desk = Desk(client, users)
    resident = users.make("resident")
    reward_id = make_reward(app, resident)
    desk.to_notified(reward_id)
    backdate_deadline(app, reward_id, days=2)
    late = client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(), headers=users.headers(resident))
    assert late.status_code == 409 and late.get_json()["error"] == "claim_window_closed"


def test_policy_versions_draft_then_activate_and_rewards_keep_theirs(app, client, users):
    admin = users.make("admin")
    headers = users.headers(admin)
    old_reward = make_reward(app, users.make("resident"))
    draft = client.post("/api/v1/rewards/policies", headers=headers, json={
        "tiers": [{"code": "general", "name": "一般", "min_fen": 500_00, "max_fen": 2_000_00}],
        "yearly_budget_fen": 100_000_00, "same_day_sharing": True, "claim_window_days": 30})
    assert draft.status_code == 201 and draft.get_json()["state"] == "draft" and draft.get_json()["version"] == 2
    activated = client.post(f"/api/v1/rewards/policies/{draft.get_json()['id']}/activate", headers=headers)
    assert activated.status_code == 200 and activated.get_json()["state"] == "active"
    listed = client.get("/api/v1/rewards/policies", headers=headers).get_json()["items"]
    assert [(p["version"], p["state"]) for p in listed] == [(2, "active"), (1, "retired")]
    desk = Desk(client, users)
    assert desk.propose(old_reward, 300_00).status_code == 200   # still version 1's tier
    new_reward = make_reward(app, users.make("resident"))
    assert desk.propose(new_reward, 300_00).status_code == 422  # version 2's tier starts at 500 yuan
    bad = client.post("/api/v1/rewards/policies", headers=headers, json={
        "tiers": [{"code": "x", "name": "x", "min_fen": 500, "max_fen": 100}], "yearly_budget_fen": 1})
    assert bad.status_code == 422


def test_ledger_entries_cannot_be_changed_or_removed(app, users):
    make_reward(app, users.make("resident"))
    with app_ctx(app):
        entry = db.session.execute(select(LedgerEntry)).scalars().first()
        entry.amount_fen = 1
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.execute(select(LedgerEntry)).scalars().first())
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        db.session.rollback()
