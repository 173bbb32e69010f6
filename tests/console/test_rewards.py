"""The reward desk's pages (奖励): the same services as the API, its roles, scope, CSRF, the two-person rule, the
audited payee, budgets, integrity and staff ID numbers, and anonymous reporters kept anonymous."""
import re

import pytest
from sqlalchemy import select

from reporter.audit.models import AuditEvent
from reporter.rewards.models import Reward, StaffIdNumber
from tests.conftest import app_ctx
from tests.console.conftest import PASSWORD, Desk
from tests.console.rewards_pages import RewardWorld
from tests.rewards.support import claim_body, reward_row, set_policy, valid_id_number


@pytest.fixture()
def rw(app, client, users):
    return RewardWorld.make(app, client, users)


@pytest.fixture()
def sign(app, rw):
    def make(who: str) -> Desk:
        d = Desk(app, rw.names[who])
        assert d.sign_in(PASSWORD).status_code == 302
        return d

    return make


def text(response) -> str:
    return response.get_data(as_text=True)


def version_of(app, reward_id) -> int:
    return reward_row(app, reward_id)["version"]


def act(desk: Desk, app, reward_id: int, action: str, **fields):
    return desk.post(f"/console/rewards/{reward_id}/actions",
                     {"action": action, "version": version_of(app, reward_id), **fields},
                     page=f"/console/rewards/{reward_id}")


def audits(app, action: str, target_id: int) -> list[int | None]:
    with app_ctx(app) as session:
        return list(session.execute(select(AuditEvent.actor_id).where(
            AuditEvent.action == action, AuditEvent.target_id == str(target_id))).scalars())


# The list and a reward --------------------------------------------------------------------------------------------

def test_the_list_by_state_equals_the_api(app, rw, sign):
    ids = [rw.reward() for _ in range(3)]
    rw.to_state(ids[0], "proposed")
    desk = sign("officer")
    page = text(desk.client.get("/console/rewards?state=eligible"))
    api = rw.api("officer", "get", "?state=eligible").get_json()
    shown = [int(x) for x in re.findall(r'data-reward-id="(\d+)"', page)]
    assert shown == [r["id"] for r in api["items"]] and set(shown) >= {ids[1], ids[2]} and ids[0] not in shown
    assert 'data-state="proposed"' in page and "待审批" in page and "待提名" in page
    proposed = text(desk.client.get("/console/rewards?state=proposed"))
    assert f'data-reward-id="{ids[0]}"' in proposed and "¥800.00" in proposed
    assert desk.client.get("/console/rewards?state=nonsense").status_code == 200  # all states


def test_roles_who_may_open_the_desk(rw, sign):
    reward_id = rw.reward()
    assert sign("case_officer").client.get("/console/rewards").status_code == 403
    assert sign("case_officer").client.get(f"/console/rewards/{reward_id}").status_code == 403
    auditor = sign("auditor")
    page = text(auditor.client.get(f"/console/rewards/{reward_id}"))
    assert "资格审查" in page and 'id="action-propose"' not in page  # reads only
    refused = auditor.post(f"/console/rewards/{reward_id}/actions", {"action": "propose", "version": 1},
                           page=f"/console/rewards/{reward_id}")
    assert refused.status_code == 403
    # An officer may not reject (the approver's step), an approver-only person may not propose.
    assert act(sign("officer"), rw.app, reward_id, "reject", reason="不符合条件").status_code == 403
    assert act(sign("approver"), rw.app, reward_id, "propose", tier="general", amount_yuan="500",
               reason="举报属实").status_code == 403
    assert reward_row(rw.app, reward_id)["state"] == "eligible"


def test_the_menu_shows_the_desk_to_its_roles_only(sign):
    assert "奖励预算" in text(sign("approver").client.get("/console/rewards"))
    home = sign("case_officer").client.get("/console/")
    assert "奖励预算" not in text(home) and "身份证号登记" in text(home)


def test_a_post_without_csrf_is_refused(app, rw, sign):
    reward_id = rw.reward()
    desk = sign("officer")
    response = desk.client.post(f"/console/rewards/{reward_id}/actions",
                                data={"action": "propose", "version": 1, "tier": "general", "amount_yuan": "500",
                                      "reason": "举报属实"})
    assert response.status_code == 400 and "页面已过期" in text(response)
    assert reward_row(app, reward_id)["state"] == "eligible"


def test_the_detail_shows_eligibility_tiers_and_the_api_amount(app, rw, sign):
    reward_id = rw.reward(finding="partly_true")
    page = text(sign("officer").client.get(f"/console/rewards/{reward_id}"))
    assert "资格审查" in page and "首报" in page and "通过" in page
    assert "部分属实" in page and "最高为档次上限的 50%" in page
    assert "¥300.00 – ¥500.00" in page  # 一般: 300–1,000, 部分属实 at most half of the maximum
    api = rw.api("officer", "get", f"/{reward_id}").get_json()
    assert api["state"] == "eligible" and 'id="action-propose"' in page


def test_propose_outside_the_tier_is_refused_next_to_the_field(app, rw, sign):
    reward_id = rw.reward()
    desk = sign("officer")
    response = act(desk, app, reward_id, "propose", tier="general", amount_yuan="1500", reason="举报属实")
    assert response.status_code == 422
    assert "金额超出所选档次的范围" in text(response) and "¥300.00 至 ¥1,000.00" in text(response)
    assert 'value="1500"' in text(response)  # what was typed is kept
    assert 'id="err-amount_fen">金额超出所选档次的范围' in text(response)  # next to the field, in words
    response = act(desk, app, reward_id, "propose", tier="general", amount_yuan="abc", reason="举报属实")
    assert response.status_code == 422 and "请填写金额" in text(response)
    response = act(desk, app, reward_id, "propose", tier="general", amount_yuan="800.5", reason="现场查获盗伐林木")
    assert response.status_code == 302
    row = reward_row(app, reward_id)
    assert (row["state"], row["amount_fen"], row["tier_code"]) == ("proposed", 80_050, "general")


def test_a_stale_page_is_refused_and_says_so(app, rw, sign):
    reward_id = rw.reward()
    desk = sign("officer")
    stale = version_of(app, reward_id)
    rw.to_state(reward_id, "proposed")
    response = desk.post(f"/console/rewards/{reward_id}/actions",
                         {"action": "reject", "version": stale, "reason": "不符合"}, page="/console/rewards")
    assert response.status_code == 403  # an officer may not reject at all
    response = sign("approver").post(f"/console/rewards/{reward_id}/actions",
                                     {"action": "reject", "version": stale, "reason": "证据不足"},
                                     page="/console/rewards")
    assert response.status_code == 412 and "已被他人更新" in text(response)
    assert reward_row(app, reward_id)["state"] == "proposed"


# Approval: another person, a fresh sign-in ------------------------------------------------------------------------

def test_the_proposer_is_refused_at_approval_with_the_reason(app, rw, sign):
    reward_id = rw.reward()
    proposer = sign("proposer")
    assert act(proposer, app, reward_id, "propose", tier="general", amount_yuan="600",
               reason="举报属实").status_code == 302
    page = text(proposer.client.get(f"/console/rewards/{reward_id}/approve"))
    assert "审批通过" in page
    response = proposer.post(f"/console/rewards/{reward_id}/approve", {"version": version_of(app, reward_id)},
                             page=f"/console/rewards/{reward_id}/approve")
    assert response.status_code == 403 and "同一人不能既提名又审批" in text(response)
    assert reward_row(app, reward_id)["state"] == "proposed"
    response = sign("approver").post(f"/console/rewards/{reward_id}/approve",
                                     {"version": version_of(app, reward_id), "comment": "同意"},
                                     page=f"/console/rewards/{reward_id}/approve")
    assert response.status_code == 302
    row = reward_row(app, reward_id)
    assert row["state"] == "approved" and row["approved_by"] == rw.ids["approver"]


def test_the_approver_may_decide_not_to_reward_on_the_approval_page(app, rw, sign):
    reward_id = rw.to_state(rw.reward(), "proposed")
    approver = sign("approver")
    detail = text(approver.client.get(f"/console/rewards/{reward_id}"))
    assert 'id="go-approve"' in detail and 'id="action-reject"' not in detail  # decided with a fresh sign-in
    path = f"/console/rewards/{reward_id}/approve"
    empty = approver.post(path, {"version": version_of(app, reward_id), "decision": "reject", "reason": " "},
                          page=path)
    assert empty.status_code == 422 and 'id="action-reject" open' in text(empty)
    done = approver.post(path, {"version": version_of(app, reward_id), "decision": "reject",
                                "reason": "举报内容与已办结案件重复"}, page=path)
    assert done.status_code == 302
    row = reward_row(app, reward_id)
    assert row["state"] == "rejected" and row["rejection_reason"] == "举报内容与已办结案件重复"
    assert "已拒绝" in text(approver.client.get(f"/console/rewards/{reward_id}"))


def test_approval_asks_for_the_password_again(app, rw, sign):
    reward_id = rw.to_state(rw.reward(), "proposed")
    minutes = app.config["FRESH_LOGIN_MINUTES"]
    app.config["FRESH_LOGIN_MINUTES"] = 0
    try:
        approver = sign("approver")
    finally:
        app.config["FRESH_LOGIN_MINUTES"] = minutes
    response = approver.client.get(f"/console/rewards/{reward_id}/approve")
    assert response.status_code == 302 and "/console/reauth" in response.headers["Location"]
    response = approver.post(f"/console/rewards/{reward_id}/approve", {"version": version_of(app, reward_id)})
    assert response.status_code == 302 and "/console/reauth" in response.headers["Location"]
    assert reward_row(app, reward_id)["state"] == "proposed"
    response = approver.post(response.headers["Location"], {"password": PASSWORD}, page="/console/rewards")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/rewards/{reward_id}/approve")
    assert approver.client.get(f"/console/rewards/{reward_id}/approve").status_code == 200


def test_approval_past_the_budget_says_so(app, rw, sign):
    reward_id = rw.to_state(rw.reward(), "proposed")
    with app_ctx(app):
        from reporter.rewards.policies import active_policy

        total = active_policy().yearly_budget_fen
    set_policy(app, yearly_budget_fen=50_000)
    try:
        response = sign("approver").post(f"/console/rewards/{reward_id}/approve",
                                         {"version": version_of(app, reward_id)}, page="/console/rewards")
    finally:
        set_policy(app, yearly_budget_fen=total)
    assert response.status_code == 409 and "预算余额不足" in text(response)


# Notify, claim, payment: finance, a third person; the payee on the payment page only, audited ---------------------

def test_payment_by_finance_shows_the_payee_once_audited(app, rw, sign):
    reward_id = rw.to_state(rw.reward(), "claimed")
    detail = text(sign("officer").client.get(f"/console/rewards/{reward_id}"))
    assert "张秦岭" not in detail and "张*" not in detail and valid_id_number() not in detail
    assert "6222021234567890123" not in detail and "7890123" not in detail
    assert sign("officer").client.get(f"/console/rewards/{reward_id}/pay").status_code == 403  # not finance
    approver = sign("approver")  # holds the finance role, but approved it: may not record its payment
    assert audits(app, "reward.view_payee", reward_id) == []
    finance = sign("finance")
    page = text(finance.client.get(f"/console/rewards/{reward_id}/pay"))
    assert "张秦岭" in page and valid_id_number() in page and "6222021234567890123" in page
    assert "本次查看已记入审计日志" in page
    assert audits(app, "reward.view_payee", reward_id) == [rw.ids["finance"]]
    refused = approver.post(f"/console/rewards/{reward_id}/pay", {"version": version_of(app, reward_id),
                                                                  "payment_reference": "NX-2026-0001"},
                            page="/console/rewards")
    assert refused.status_code == 403 and "同一人不能" in text(refused)
    assert reward_row(app, reward_id)["state"] == "claimed"
    paid = finance.post(f"/console/rewards/{reward_id}/pay", {"version": version_of(app, reward_id),
                                                              "payment_reference": "NX-2026-0001"},
                        page="/console/rewards")
    assert paid.status_code == 302
    row = reward_row(app, reward_id)
    assert row["state"] == "paid" and row["paid_by"] == rw.ids["finance"]
    ledger = text(finance.client.get(f"/console/rewards/{reward_id}"))
    for kind in ("提名", "审批通过（预留预算）", "通知举报人", "举报人领取", "支付"):
        assert kind in ledger
    api = rw.api("auditor", "get", f"/{reward_id}/ledger").get_json()
    assert len(re.findall(r'<tr data-kind="', ledger)) == api["total"] == 6


def test_the_payment_page_of_an_unclaimed_reward_says_why(app, rw, sign):
    reward_id = rw.to_state(rw.reward(), "notified")
    response = sign("finance").client.get(f"/console/rewards/{reward_id}/pay")
    assert response.status_code == 409 and "尚未领取" in text(response)


def test_notify_by_the_desk(app, rw, sign):
    reward_id = rw.to_state(rw.reward(), "approved")
    assert act(sign("officer"), app, reward_id, "notify").status_code == 302
    row = reward_row(app, reward_id)
    assert row["state"] == "notified" and row["claim_deadline"] is not None


# Anonymous reporters stay anonymous -------------------------------------------------------------------------------

def test_anonymous_reporters_stay_anonymous_on_every_reward_page(app, rw, sign):
    reward_id = rw.reward(anonymous=True)
    code = reward_row(app, reward_id)["tracking_code"]
    rw.to_state(reward_id, "claimed", tracking_code=code, pin="135790")
    resident = rw.names["resident"]
    finance = sign("finance")
    pages = ["/console/rewards", "/console/rewards?state=claimed", f"/console/rewards/{reward_id}",
             f"/console/rewards/{reward_id}/pay", "/console/rewards/integrity", "/console/rewards/budgets"]
    for path in pages:
        page = text(finance.client.get(path))
        assert resident not in page and code not in page, path  # neither the account nor the tracking code
    detail = text(finance.client.get(f"/console/rewards/{reward_id}"))
    assert "匿名举报，身份不予显示" in detail and "举报人" in detail
    assert resident not in text(sign("approver").client.get(f"/console/rewards/{reward_id}/approve"))


# Budgets ----------------------------------------------------------------------------------------------------------

def test_budgets_equal_the_api_and_are_raised_with_a_reason(app, rw, sign):
    reward_id = rw.to_state(rw.reward(), "paid")
    approver = sign("approver")
    page = text(approver.client.get("/console/rewards/budgets"))
    [api] = [b for b in rw.api("approver", "get", "/budgets").get_json() if b["unit_code"] == "city.qinling_office"]
    year = api["year"]
    assert f'data-budget="city.qinling_office-{year}"' in page
    row = page.split(f'data-budget="city.qinling_office-{year}"')[1].split("</tr>")[0]
    assert f"¥{api['committed_fen'] / 100:,.2f}" in row and f"¥{api['paid_fen'] / 100:,.2f}" in row
    assert f"¥{api['available_fen'] / 100:,.2f}" in row and api["paid_fen"] == 80_000
    assert reward_row(app, reward_id)["state"] == "paid"
    raise_path = f"/console/rewards/budgets/city.qinling_office/{year}"
    assert sign("officer").client.get(raise_path).status_code == 403
    missing = approver.post(raise_path, {"total_yuan": "600000", "reason": " "}, page=raise_path)
    assert missing.status_code == 422 and "填写内容有误" in text(missing)
    lower = approver.post(raise_path, {"total_yuan": "1", "reason": "调减"}, page=raise_path)
    assert lower.status_code == 409 and "只能追加" in text(lower)
    total = (api["allotted_fen"] + 10_000_000) / 100
    done = approver.post(raise_path, {"total_yuan": f"{total:.2f}", "reason": "安财农〔2026〕12号追加"},
                         page=raise_path)
    assert done.status_code == 302
    [after] = [b for b in rw.api("approver", "get", "/budgets").get_json() if b["unit_code"] == "city.qinling_office"
               and b["year"] == year]
    assert after["allotted_fen"] == api["allotted_fen"] + 10_000_000
    with app_ctx(app) as session:
        reasons = session.execute(select(AuditEvent.reason).where(AuditEvent.action == "reward_budget.raise")).scalars()
        assert "安财农〔2026〕12号追加" in list(reasons)


# Integrity: flags, the yearly cap, staff ID numbers ---------------------------------------------------------------

def test_staff_register_their_id_number_and_a_claim_to_it_shows_on_the_desk(app, rw, sign, users, client):
    number = valid_id_number("61090219850101001")
    officer = sign("case_officer")  # any staff member
    page = text(officer.client.get("/console/rewards/id-number"))
    assert "尚未登记" in page and "工作人员用户名" not in page
    bad = officer.post("/console/rewards/id-number", {"id_number": "610902198501010010"},
                       page="/console/rewards/id-number")
    assert bad.status_code == 422
    done = officer.post("/console/rewards/id-number", {"id_number": number}, page="/console/rewards/id-number")
    assert done.status_code == 200 and "已登记" in text(done) and number not in text(done)
    assert audits(app, "reward.staff_id_number_registered", rw.ids["case_officer"]) == [rw.ids["case_officer"]]
    # An admin registers another's; a resident is not staff.
    admin = sign("admin")
    other = admin.post("/console/rewards/id-number", {"username": rw.names["auditor"],
                                                      "id_number": valid_id_number("61090219900307124")},
                       page="/console/rewards/id-number")
    assert other.status_code == 200
    nobody = admin.post("/console/rewards/id-number", {"username": rw.names["resident"],
                                                       "id_number": valid_id_number("61090219900307124")},
                        page="/console/rewards/id-number")
    assert nobody.status_code == 404 and "没有找到" in text(nobody)
    with app_ctx(app) as session:
        assert {s.user_id for s in session.execute(select(StaffIdNumber)).scalars()} >= {
            rw.ids["case_officer"], rw.ids["auditor"]}
    # A resident's claim to the officer's number is refused; the desk sees why, the list of refusals too.
    reward_id = rw.to_state(rw.reward(), "notified")
    response = client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(id_number=number),
                           headers=users.headers(rw.ids["resident"]))
    assert response.status_code == 409
    desk = sign("approver")
    detail = text(desk.client.get(f"/console/rewards/{reward_id}"))
    assert 'data-refusal="staff_id_number"' in detail and "已登记的工作人员" in detail
    integrity = text(desk.client.get("/console/rewards/integrity"))
    assert f"奖励 {reward_id}" in integrity


def test_the_yearly_cap_is_shown_and_refuses_claims_over_it(app, rw, sign, users, client):
    set_policy(app, yearly_cap_fen=100_000)
    try:
        page = text(sign("officer").client.get("/console/rewards/integrity"))
        assert "¥1,000.00" in page and "一证多号" in page and "不显示是哪些账号" in page
        first = rw.to_state(rw.reward(), "claimed")
        second = rw.to_state(rw.reward(), "notified")
        response = client.post(f"/api/v1/rewards/{second}/claim", json=claim_body(),
                               headers=users.headers(rw.ids["resident"]))
        assert response.status_code == 409
        detail = text(sign("approver").client.get(f"/console/rewards/{second}"))
        assert 'data-refusal="yearly_cap"' in detail and "超过每人每年奖励上限" in detail
        assert reward_row(app, first)["state"] == "claimed"
    finally:
        set_policy(app, yearly_cap_fen=None)


def test_flags_show_a_kind_and_a_count_only(app, rw, sign, users, client):
    # Two accounts claim with one ID number: the second's reward carries the flag, naming no account.
    first = rw.to_state(rw.reward(), "claimed")
    other = users.make("resident", username="rw_other_li")
    with app_ctx(app) as session:
        from tests.rewards.support import make_reward

        second = make_reward(app, other)
        session.commit()
    rw.ids["resident"], saved = other, rw.ids["resident"]
    try:
        rw.to_state(second, "claimed")
    finally:
        rw.ids["resident"] = saved
    page = text(sign("approver").client.get(f"/console/rewards/{second}"))
    assert 'data-flag="id_number_several_accounts"' in page and "一证多号" in page
    assert rw.names["resident"] not in page and "rw_other_li" not in page and f"奖励 {first}" not in page
    with app_ctx(app) as session:
        assert session.get(Reward, second).payee_index is not None
