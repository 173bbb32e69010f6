"""The reward desk's flow over HTTP: propose, approve by another person, notify, claim, pay once; ledger and budget."""
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from reporter.extensions import db
from reporter.notify.models import OutboxMessage
from reporter.rewards.models import LedgerEntry
from tests.conftest import app_ctx
from tests.rewards.support import Desk, claim_body, make_reward, reward_row, set_policy, valid_id_number


def test_full_flow_to_payment_with_every_step_in_the_ledger(app, client, users):
    desk = Desk(client, users)
    resident = users.make("resident")
    reward_id = make_reward(app, resident)
    assert desk.propose(reward_id, 80_000).status_code == 200
    approved = desk.approve(reward_id)
    assert approved.status_code == 200 and approved.get_json()["state"] == "approved"
    notified = desk.notify(reward_id).get_json()
    assert notified["state"] == "notified" and notified["claim_deadline"]
    mine = client.get("/api/v1/rewards/mine", headers=users.headers(resident)).get_json()
    assert mine["items"][0]["status"] == "awaiting_claim"
    assert mine["items"][0]["amount_fen"] == 80_000 and mine["items"][0]["amount_yuan"] == "800.00"
    claimed = client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(), headers=users.headers(resident))
    assert claimed.status_code == 200 and claimed.get_json()["status"] == "claimed"
    paid = desk.pay(reward_id, "BANK-0001")
    assert paid.status_code == 200 and paid.get_json()["payment_reference"] == "BANK-0001"

    entries = client.get(f"/api/v1/rewards/{reward_id}/ledger", headers=desk.approver_h).get_json()["items"]
    assert [e["kind"] for e in entries] == ["eligible", "proposed", "approved", "notified", "claimed", "paid"]
    approval = entries[2]
    assert approval["actor_id"] == desk.approver and approval["amount_fen"] == 80_000
    assert approval["budget_before_fen"] - approval["budget_after_fen"] == 80_000
    assert approval["amount_yuan"] == "800.00"
    [budget] = client.get("/api/v1/rewards/budgets", headers=desk.officer_h).get_json()
    assert budget["unit_code"] == "city.qinling_office" and budget["consistent"]
    assert (budget["committed_fen"], budget["paid_fen"]) == (80_000, 80_000)
    assert budget["available_fen"] == budget["allotted_fen"] - 80_000


def test_the_resident_is_told_through_the_outbox_and_sees_no_amount_before(app, client, users):
    desk = Desk(client, users)
    resident = users.make("resident")
    reward_id = make_reward(app, resident)
    desk.propose(reward_id, 60_000)
    early = client.get("/api/v1/rewards/mine", headers=users.headers(resident)).get_json()["items"][0]
    assert early["status"] == "under_review" and early["amount_fen"] is None
    desk.approve(reward_id)
    desk.notify(reward_id)
    with app_ctx(app):
        [message] = db.session.execute(select(OutboxMessage).where(OutboxMessage.recipient_id == resident)).scalars()
        assert message.kind == "reward_decided" and message.data["reward_id"] == reward_id
        assert message.data["amount_yuan"] == "600.00" and message.data["fields"]["thing3"] == "奖励金额600.00元"


def test_amount_outside_its_tier_is_refused_and_partly_true_pays_at_most_half(app, client, users):
    desk = Desk(client, users)
    reward_id = make_reward(app, users.make("resident"))
    too_much = desk.propose(reward_id, 1_000_01)
    assert too_much.status_code == 422 and "amount_fen" in too_much.get_json()["errors"]["json"]
    assert desk.propose(reward_id, 299_99).status_code == 422
    assert desk.propose(reward_id, 500, tier="platinum").status_code == 422
    partly = make_reward(app, users.make("resident"), finding="partly_true")
    over_half = desk.propose(partly, 500_01)
    assert over_half.status_code == 422 and "部分属实" in over_half.get_json()["message"]
    assert desk.propose(partly, 500_00).status_code == 200
    assert reward_row(app, reward_id)["state"] == "eligible"


def test_the_proposer_cannot_approve_even_holding_both_roles(app, client, users):
    both = users.make("reward_officer", "reward_approver")
    desk = Desk(client, users)
    reward_id = make_reward(app, users.make("resident"))
    headers = users.headers(both)
    etag = desk.etag(reward_id)
    proposed = client.post(f"/api/v1/rewards/{reward_id}/propose", headers={**headers, "If-Match": etag},
                           json={"tier": "serious", "amount_fen": 2_000_00, "reason": "较大问题，现场核实"})
    assert proposed.status_code == 200
    refused = desk.approve(reward_id, headers)
    assert refused.status_code == 403 and refused.get_json()["error"] == "same_person"
    assert desk.approve(reward_id).status_code == 200


def test_approval_needs_a_fresh_sign_in_and_an_if_match(app, client, users):
    desk = Desk(client, users)
    reward_id = make_reward(app, users.make("resident"))
    desk.propose(reward_id)
    stale = desk.approve(reward_id, users.headers(desk.approver, fresh=False))
    assert stale.status_code == 401 and stale.get_json()["error"] == "fresh_token_required"
    missing = client.post(f"/api/v1/rewards/{reward_id}/approve", json={}, headers=desk.approver_h)
    assert missing.status_code == 428
    old = desk.etag(reward_id).replace("-v2", "-v1")
    outdated = client.post(f"/api/v1/rewards/{reward_id}/approve", json={},
                           headers={**desk.approver_h, "If-Match": old})
    assert outdated.status_code == 412
    assert reward_row(app, reward_id)["state"] == "proposed"


def test_roles_guard_each_step(app, client, users):
    desk = Desk(client, users)
    resident = users.make("resident")
    reward_id = make_reward(app, resident)
    assert desk.act(reward_id, "propose", desk.approver_h,
                    {"tier": "general", "amount_fen": 50_000, "reason": "审批人不能拟定"}).status_code == 403
    assert client.get("/api/v1/rewards", headers=users.headers(resident)).status_code == 403
    assert client.get(f"/api/v1/rewards/{reward_id}").status_code == 401


def test_approval_past_the_yearly_budget_is_refused_with_the_numbers(app, client, users):
    set_policy(app, yearly_budget_fen=1_500_00)
    desk = Desk(client, users)
    first, second = make_reward(app, users.make("resident")), make_reward(app, users.make("resident"))
    desk.propose(first, 1_000_00)
    desk.propose(second, 600_00)
    assert desk.approve(first).status_code == 200
    refused = desk.approve(second)
    body = refused.get_json()
    assert refused.status_code == 409 and body["error"] == "budget_exhausted"
    assert body["errors"]["budget"]["available_fen"] == 500_00 and body["errors"]["budget"]["requested_fen"] == 600_00
    assert reward_row(app, second)["state"] == "proposed"
    raised = client.put("/api/v1/rewards/budgets/city.qinling_office/" + str(body["errors"]["budget"]["year"]),
                        json={"total_fen": 2_000_00, "reason": "追加预算"}, headers=desk.approver_h)
    assert raised.status_code == 200 and raised.get_json()["available_fen"] == 1_000_00
    lowered = client.put("/api/v1/rewards/budgets/city.qinling_office/" + str(body["errors"]["budget"]["year"]),
                         json={"total_fen": 1_00, "reason": "调减"}, headers=desk.approver_h)
    assert lowered.status_code == 409
    assert desk.approve(second).status_code == 200


def test_rejection_tells_the_resident_and_ends_the_reward(app, client, users):
    desk = Desk(client, users)
    resident = users.make("resident")
    reward_id = make_reward(app, resident)
    desk.propose(reward_id)
    rejected = desk.act(reward_id, "reject", desk.approver_h, {"reason": "举报内容与核查结果不符"})
    assert rejected.status_code == 200 and rejected.get_json()["state"] == "rejected"
    mine = client.get("/api/v1/rewards/mine", headers=users.headers(resident)).get_json()["items"][0]
    assert mine["status"] == "rejected" and mine["reason"] == "举报内容与核查结果不符"
    again = desk.approve(reward_id)
    assert again.status_code == 409 and again.get_json()["error"] == "invalid_transition"
    with app_ctx(app):
        kinds = db.session.execute(select(OutboxMessage.kind).where(OutboxMessage.recipient_id == resident)).scalars()
        assert "reward_decided" in set(kinds)


def test_payment_is_recorded_exactly_once_and_only_by_finance(app, client, users):
    desk = Desk(client, users)
    resident = users.make("resident")
    reward_id = make_reward(app, resident)
    desk.to_notified(reward_id)
    assert desk.pay(reward_id).status_code == 409  # not claimed yet
    client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(), headers=users.headers(resident))
    officer_pays = desk.act(reward_id, "pay", desk.officer_h, {"payment_reference": "BANK-X-1"})
    assert officer_pays.status_code == 403
    stale = client.post(f"/api/v1/rewards/{reward_id}/pay", json={"payment_reference": "BANK-X-1"},
                        headers={**users.headers(desk.finance, fresh=False), "If-Match": desk.etag(reward_id)})
    assert stale.status_code == 401 and stale.get_json()["error"] == "fresh_token_required"
    assert desk.pay(reward_id, "BANK-X-1").status_code == 200
    twice = desk.pay(reward_id, "BANK-X-2")
    assert twice.status_code == 409
    with app_ctx(app):
        paid = db.session.execute(select(LedgerEntry).where(LedgerEntry.reward_id == reward_id,
                                                            LedgerEntry.kind == "paid")).scalars().all()
        assert len(paid) == 1 and paid[0].note == "payment reference BANK-X-1"


def test_claim_details_are_validated_encrypted_and_shown_masked(app, client, users):
    desk = Desk(client, users)
    resident = users.make("resident")
    reward_id = make_reward(app, resident)
    desk.to_notified(reward_id)
    headers = users.headers(resident)
    good = valid_id_number()
    wrong_digit = good[:-1] + ("1" if good[-1] != "1" else "2")
    bad = client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(id_number=wrong_digit), headers=headers)
    assert bad.status_code == 422 and "id_number" in bad.get_json()["errors"]["json"]
    stranger = client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(),
                           headers=users.headers(users.make("resident")))
    assert stranger.status_code == 404
    assert client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(), headers=headers).status_code == 200
    row = reward_row(app, reward_id)
    assert "张秦岭" not in row["payee_ciphertext"] and "6222021234567890123" not in row["payee_ciphertext"]
    listed = client.get(f"/api/v1/rewards/{reward_id}", headers=desk.officer_h).get_json()["payee"]
    assert listed == {"name": "张**", "id_number": "610***********" + claim_body()["id_number"][-4:],
                      "account": "*" * 15 + "0123"}
    assert client.get(f"/api/v1/rewards/{reward_id}/payee", headers=desk.officer_h).status_code == 403
    full = client.get(f"/api/v1/rewards/{reward_id}/payee", headers=desk.approver_h).get_json()
    assert full["payout_account"] == "6222021234567890123" and full["name"] == "张秦岭"


def test_rotating_the_contact_key_re_encrypts_payees_too(app, client, users, make_app):
    desk = Desk(client, users)
    resident = users.make("resident")
    reward_id = make_reward(app, resident)
    desk.to_notified(reward_id)
    assert client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(),
                       headers=users.headers(resident)).status_code == 200
    before = reward_row(app, reward_id)["payee_ciphertext"]
    old_key = app.config["CONTACT_ENCRYPTION_KEYS"]
    rotated = make_app(CONTACT_ENCRYPTION_KEYS=f"a-brand-new-contact-key-2027,{old_key}")
    result = CliRunner().invoke(rotated.cli, ["reports", "rotate-contact-key"],
                                obj=ScriptInfo(create_app=lambda: rotated))
    assert result.exit_code == 0 and "re-encrypted 1 reward payees" in result.output, result.output
    assert reward_row(app, reward_id)["payee_ciphertext"] != before
    new_only = make_app(CONTACT_ENCRYPTION_KEYS="a-brand-new-contact-key-2027")
    full = new_only.test_client().get(f"/api/v1/rewards/{reward_id}/payee", headers=desk.approver_h).get_json()
    assert full["name"] == "张秦岭" and full["payout_account"] == "6222021234567890123"


def test_anonymous_claim_needs_code_and_pin_and_wrong_pins_are_limited(app, client, users):
    desk = Desk(client, users)
    resident = users.make("resident")
    reward_id = make_reward(app, resident, anonymous=True, pin="246810")
    desk.to_notified(reward_id)
    code = reward_row(app, reward_id)["tracking_code"]
    headers = users.headers(resident)
    url = f"/api/v1/rewards/{reward_id}/claim"
    assert client.post(url, json=claim_body(), headers=headers).status_code == 403  # no proof at all
    wrong = client.post(url, json=claim_body(tracking_code=code, pin="000000"), headers=headers)
    assert wrong.status_code == 403 and wrong.get_json()["error"] == "claim_proof_failed"
    for _ in range(3):
        client.post(url, json=claim_body(tracking_code=code, pin="111111"), headers=headers)
    limited = client.post(url, json=claim_body(tracking_code=code, pin="246810"), headers=headers)
    assert limited.status_code == 429 and limited.get_json()["error"] == "rate_limited"
    assert reward_row(app, reward_id)["state"] == "notified"


def test_anonymous_claim_with_the_right_code_and_pin(app, client, users):
    desk = Desk(client, users)
    resident = users.make("resident")
    reward_id = make_reward(app, resident, anonymous=True, pin="246810")
    desk.to_notified(reward_id)
    code = reward_row(app, reward_id)["tracking_code"]
    wrong = client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(tracking_code=code, pin="135790"),
                        headers=users.headers(resident))
    assert wrong.status_code == 403
    right = client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(tracking_code=code.lower(),
                                                                              pin="246810"),
                        headers=users.headers(resident))
    assert right.status_code == 200 and right.get_json()["status"] == "claimed"
