"""The reward desk in real Chromium: a reward from eligibility to payment by three different people."""
import pytest
from sqlalchemy import select

from reporter.audit.models import AuditEvent
from tests.conftest import app_ctx
from tests.console.browser import browser_marks
from tests.console.conftest import PASSWORD
from tests.console.rewards_pages import RewardPage, RewardWorld
from tests.rewards.support import claim_body, reward_row, valid_id_number

pytestmark = browser_marks()


@pytest.fixture()
def rw(app, client, users):
    return RewardWorld.make(app, client, users)


def test_a_reward_from_eligibility_to_payment_by_three_people(app, client, users, rw, browser):
    reward_id = rw.reward()

    # 1. The proposer finds it waiting (待提名) and proposes an amount within the tier.
    proposer = browser.official().sign_in(rw.names["proposer"], PASSWORD)
    assert "奖励" in proposer.menu()
    proposer.visit("/console/rewards?state=eligible")
    assert proposer.page.locator(f'tr[data-reward-id="{reward_id}"]').count() == 1
    proposer.page.locator(f'tr[data-reward-id="{reward_id}"] a').click()
    desk = RewardPage(proposer, reward_id)._settle()
    assert desk.state() == "待提名" and "首报" in proposer.page.content()
    desk.act("提名", choose={"档次": "一般（¥300.00 – ¥1,000.00）"},
             fields={"金额（元）": "2000", "提名理由": "举报属实，现场查获盗伐林木"})
    assert "金额超出所选档次的范围" in desk.message() and desk.state() == "待提名"
    desk.act("提名", choose={"档次": "一般（¥300.00 – ¥1,000.00）"},
             fields={"金额（元）": "800", "提名理由": "举报属实，现场查获盗伐林木"})
    assert desk.state() == "待审批" and "¥800.00" in proposer.page.locator("#reward-amount").inner_text()

    # 2. The proposer also holds the approver role, and is refused at approval with the reason.
    desk.follow("go-approve", PASSWORD).submit("审批通过")
    assert "同一人不能既提名又审批" in desk.message()
    assert reward_row(app, reward_id)["state"] == "proposed"

    # 3. Another person approves, after giving the password again (their sign-in is no longer fresh).
    minutes = app.config["FRESH_LOGIN_MINUTES"]
    app.config["FRESH_LOGIN_MINUTES"] = 0
    try:
        approver = browser.official().sign_in(rw.names["approver"], PASSWORD)
    finally:
        app.config["FRESH_LOGIN_MINUTES"] = minutes
    desk = RewardPage.open(approver, reward_id)
    desk.page.locator("#go-approve").click()
    desk._settle()
    assert approver.heading() == "确认身份"
    approver.page.get_by_label("密码").fill(PASSWORD)
    approver.page.get_by_role("button", name="确认").click()
    desk._settle()
    desk.submit("审批通过", {"审批意见（可不填）": "同意，证据充分"})
    assert desk.state() == "待通知" and "已审批通过" in desk.message()

    # 4. The proposer, as reward officer, tells the resident; the resident claims through the app.
    desk = RewardPage.open(proposer, reward_id).act("通知举报人")
    assert desk.state() == "待领取"
    claimed = client.post(f"/api/v1/rewards/{reward_id}/claim", json=claim_body(),
                          headers=users.headers(rw.ids["resident"]))
    assert claimed.status_code == 200, claimed.get_json()
    desk = RewardPage.open(proposer, reward_id)
    assert desk.state() == "待支付" and "张秦岭" not in proposer.page.content()  # the payee is not on the desk

    # 5. Finance, a third person, sees the payee on the payment page (audited) and records the payment.
    finance = browser.official().sign_in(rw.names["finance"], PASSWORD)
    desk = RewardPage.open(finance, reward_id).follow("go-pay", PASSWORD)
    assert finance.page.locator("#payee").inner_text().count("张秦岭") == 1
    desk.submit("登记支付", {"支付凭证号": "NX-2026-000123"})
    assert desk.state() == "已支付" and "已登记支付" in desk.message()

    row = reward_row(app, reward_id)
    assert row["state"] == "paid" and row["payment_reference"] == "NX-2026-000123"
    assert len({row["proposed_by"], row["approved_by"], row["paid_by"]}) == 3
    api = rw.api("auditor", "get", f"/{reward_id}").get_json()
    assert api["state"] == "paid" and api["amount_fen"] == 80_000
    with app_ctx(app) as session:
        viewers = session.execute(select(AuditEvent.actor_id).where(
            AuditEvent.action == "reward.view_payee", AuditEvent.target_id == str(reward_id))).scalars().all()
    assert set(viewers) == {rw.ids["finance"]}


def test_budgets_and_the_staff_id_number_in_the_browser(app, rw, browser):
    reward_id = rw.to_state(rw.reward(), "approved")
    approver = browser.official(width=820, height=1180).sign_in(rw.names["approver"], PASSWORD)
    approver.visit("/console/rewards/budgets")
    row = approver.page.locator('tr[data-budget^="city.qinling_office-"]')
    assert "¥800.00" in row.locator('[data-col="committed"]').inner_text()
    row.get_by_role("link").click()
    approver.page.wait_for_load_state("load")
    approver.browser.check_accessibility(approver.page)
    approver.page.get_by_label("新的年度总额（元，只能调增）").fill("600000")
    approver.page.get_by_label("追加理由（如拨款文件文号）").fill("安财农〔2026〕12号")
    approver.page.get_by_role("button", name="追加预算").click()
    approver.page.wait_for_load_state("load")
    assert "¥600,000.00" in approver.page.locator('tr[data-budget^="city.qinling_office-"]').inner_text()
    approver.visit("/console/rewards/integrity")
    approver.visit("/console/rewards/id-number")
    approver.page.get_by_label("身份证号（18 位）").fill(valid_id_number("61090219850101001"))
    approver.page.get_by_role("button", name="登记").click()
    approver.page.wait_for_load_state("load")
    approver.browser.check_accessibility(approver.page)
    assert reward_row(app, reward_id)["state"] == "approved"
