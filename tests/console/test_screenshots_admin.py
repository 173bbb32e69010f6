"""`make screenshots`: the administration and audit pages (60-*.png … 69-*.png) with realistic data, into
SCREENSHOTS_DIR (docs/console/).

Skipped unless SCREENSHOTS_DIR is set (a documentation step, not a check), and without chromium.
"""
import os
from pathlib import Path

import pytest

from tests.cases.conftest import RESULT_FALSE
from tests.conftest import app_ctx
from tests.console.admin_pages import sign_in
from tests.console.browser import CHROMIUM
from tests.console.conftest import PASSWORD, drive
from tests.console.test_admin import reveal
from tests.reports.conftest import Town

OUT = os.environ.get("SCREENSHOTS_DIR")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not OUT, reason="set SCREENSHOTS_DIR (make screenshots) to save the pages"),
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no chromium at {CHROMIUM}")]

NAMES = {"city_sup": "王立新", "county_sup": "陈海燕", "other_county_sup": "刘志强", "officer": "李明",
         "city_officer": "赵文博", "other_officer": "孙丽", "water_officer": "周建国", "inspector": "吴德胜",
         "other_inspector": "郑秀兰", "auditor": "钱卫东", "admin": "冯晓东"}
ACCOUNTS = [("ningshan.lin", "林小峰", ["officer"], "610923.forestry"),
            ("hanyin.qin", "秦红梅", ["supervisor"], "610921.qinling_office"),
            ("reward.he", "何雨晴", ["reward_officer"], None),
            ("reward.tang", "唐国平", ["reward_approver"], None)]


def _populate(app, world, users):
    """Chinese names for the world's staff, more accounts, a year of holidays, messages in each state."""
    from reporter.accounts.services import create_user, update_user
    from reporter.common.timeutil import cst_date, utcnow
    from reporter.notify.services import enqueue
    from reporter.workdays.services import load_year, statutory_holidays

    admin = world.ids["admin"]
    with app_ctx(app) as session:
        for who, name in NAMES.items():
            update_user(world.ids[who], {"display_name": name}, actor_id=admin)
        for username, name, roles, unit in ACCOUNTS:
            create_user(username, "Qinling-2026-forest", roles, unit_code=unit, display_name=name, actor_id=admin)
        update_user(world.ids["other_officer"], {"is_active": False}, actor_id=admin)
        year = cst_date(utcnow()).year + 1
        load_year(year, [{"date": d.isoformat(), "name": n} for d, n in statutory_holidays(year).items()], [],
                  source=f"国务院办公厅关于{year}年部分节假日安排的通知", actor_id=admin)
        resident = users.make("resident")
        for n, (kind, state, error) in enumerate([
                ("report_accepted", "sent", None), ("case_closed", "sent", None), ("report_rejected", "pending", None),
                ("case_closed", "failed", "errcode 43101: user refuse to accept the msg"),
                ("reward_decided", "failed", "errcode 40003: invalid openid")]):
            message = enqueue(resident, kind, {"case_number": f"QL2026-00012{n}"})
            message.state, message.last_error, message.attempts = state, error, 8 if state == "failed" else 1
        session.commit()


def test_screenshots_admin(app, client, users, wechat, world, staff, _chromium):
    out = Path(OUT)
    out.mkdir(parents=True, exist_ok=True)
    _populate(app, world, users)
    town = Town(app, client, users, wechat, ids=world.ids)
    town.resident("resident")
    reported = town.submit("resident").get_json()["case_id"]
    for who, action, payload in [("county_sup", "accept", {}), ("county_sup", "dispatch", {}), ("officer", "sign", {}),
                                 ("officer", "submit_result", RESULT_FALSE),
                                 ("inspector", "verify", {"result": "pass"}),
                                 ("county_sup", "close", {})]:
        world.do(reported, who, action, **payload)
    reveal(app, world, reported, who="county_sup")
    drive(world, "closed")

    def shot(official, path, name, full_page=True):
        official.visit(path)
        official.page.wait_for_timeout(500)  # maps: let the outlines draw
        official.page.screenshot(path=str(out / f"{name}.png"), full_page=full_page)

    admin = sign_in(_chromium.official(), staff["admin"], PASSWORD, lands="**/console/admin/users")
    grid = world.ids["grid_id"]
    shot(admin, "/console/admin/users", "60-admin-accounts")
    shot(admin, f"/console/admin/users/{world.ids['officer']}", "61-admin-account")
    shot(admin, "/console/admin/grids?county=610923", "62-admin-grids", full_page=False)
    shot(admin, f"/console/admin/grids/{grid}", "63-admin-grid")
    shot(admin, "/console/admin/workdays", "64-admin-workdays")
    admin.page.locator("details.year summary").first.click()
    admin.page.screenshot(path=str(out / "64-admin-workdays.png"), full_page=True)
    shot(admin, "/console/admin/outbox", "65-admin-outbox")
    shot(admin, "/console/admin/privacy", "66-admin-privacy", full_page=False)
    shot(admin, "/console/admin/units?county=610923", "69-admin-units")
    auditor = _chromium.official().sign_in(staff["auditor"], PASSWORD)
    shot(auditor, "/console/audit", "67-audit-log")
    shot(auditor, f"/console/audit/cases/{reported}", "68-audit-case-history")
    _chromium.end_test()
