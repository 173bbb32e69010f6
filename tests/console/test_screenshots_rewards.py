"""`make screenshots`: the reward desk's pages (20-*.png … 28-*.png) with realistic data, into SCREENSHOTS_DIR.

Skipped unless SCREENSHOTS_DIR is set (a documentation step, not a check), and without chromium.
"""
import os
from pathlib import Path

import pytest

from tests.console.browser import CHROMIUM
from tests.console.conftest import PASSWORD
from tests.console.rewards_pages import RewardWorld
from tests.rewards.support import claim_body, make_reward, reward_row, set_policy, valid_id_number

OUT = os.environ.get("SCREENSHOTS_DIR")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not OUT, reason="set SCREENSHOTS_DIR (make screenshots) to save the pages"),
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no chromium at {CHROMIUM}")]


def test_screenshots_rewards(app, client, users, _chromium):
    set_policy(app, yearly_cap_fen=500_000)  # ¥5,000 per payee and year, shown on the integrity page
    try:
        _take(app, client, users, _chromium)
    finally:
        set_policy(app, yearly_cap_fen=None)


def _take(app, client, users, _chromium):
    out = Path(OUT)
    out.mkdir(parents=True, exist_ok=True)
    rw = RewardWorld.make(app, client, users)
    states = ["eligible", "eligible", "proposed", "approved", "notified", "claimed", "paid", "paid"]
    ids = {}
    for n, state in enumerate(states):
        reward_id = rw.reward(finding="partly_true" if n == 1 else "true", anonymous=n == 5)
        if state != "eligible":
            code = reward_row(app, reward_id)["tracking_code"]
            rw.to_state(reward_id, state, amount_fen=(50_000, 80_000, 95_000)[n % 3],
                        tracking_code=code, pin="135790" if code else None)
        ids.setdefault(state, reward_id)
    rejected = rw.reward()
    rw.step(rejected, "reject", "approver", {"reason": "举报内容与已办结案件重复，不予奖励"})
    # A second account claims with the same ID number (一证多号), and a claim to a staff member's number is refused.
    other = users.make("resident", username="shot_resident_li")
    flagged = make_reward(app, other)
    rw.ids["resident"], resident = other, rw.ids["resident"]
    rw.to_state(flagged, "claimed", amount_fen=60_000)
    rw.ids["resident"] = resident
    refused = rw.to_state(rw.reward(), "notified")
    staff_number = valid_id_number("61092319850101001")
    rw.api("officer", "put", "/staff-id-numbers/me", json={"id_number": staff_number})
    client.post(f"/api/v1/rewards/{refused}/claim", json=claim_body(id_number=staff_number),
                headers=users.headers(rw.ids["resident"]))

    def shot(official, path, name, full_page=True, before=None):
        official.visit(path)
        if before:
            before(official.page)
        official.page.screenshot(path=str(out / f"{name}.png"), full_page=full_page)

    officer = _chromium.official().sign_in(rw.names["proposer"], PASSWORD)
    shot(officer, "/console/rewards", "20-rewards-list")
    shot(officer, f"/console/rewards/{ids['eligible']}", "21-reward-propose",
         before=lambda p: p.locator("details#action-propose summary").click())
    shot(officer, f"/console/rewards/{ids['proposed']}/approve", "22-reward-approve")
    approver = _chromium.official().sign_in(rw.names["approver"], PASSWORD)
    shot(approver, f"/console/rewards/{flagged}", "23-reward-flags")
    finance = _chromium.official().sign_in(rw.names["finance"], PASSWORD)
    shot(finance, f"/console/rewards/{ids['claimed']}/pay", "24-reward-pay")
    shot(approver, "/console/rewards/budgets", "25-reward-budgets")
    shot(approver, f"/console/rewards/{refused}", "26-reward-claim-refused")
    shot(approver, "/console/rewards/integrity", "27-reward-integrity")
    shot(approver, "/console/rewards/id-number", "28-staff-id-number", full_page=False)
    tablet = _chromium.official(width=820, height=1180).sign_in(rw.names["approver"], PASSWORD)
    shot(tablet, f"/console/rewards/{ids['paid']}", "29-reward-tablet", full_page=False)
    _chromium.end_test()
