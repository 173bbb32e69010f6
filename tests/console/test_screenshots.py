"""`make screenshots`: each console page with realistic data, saved as PNG into SCREENSHOTS_DIR (docs/console/).

Skipped unless SCREENSHOTS_DIR is set (it is a documentation step, not a check), and without chromium.
"""
import os
from datetime import timedelta
from pathlib import Path

import pytest

from reporter.common.timeutil import utcnow
from tests.console.browser import CHROMIUM
from tests.console.conftest import PASSWORD, drive
from tests.reports.conftest import Town

OUT = os.environ.get("SCREENSHOTS_DIR")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not OUT, reason="set SCREENSHOTS_DIR (make screenshots) to save the pages"),
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no chromium at {CHROMIUM}")]

PLACES = [  # (where, address, description) in 宁陕县, WGS-84; forestry's problems (the world's officer handles them)
    ((33.3125, 108.3140), "宁陕县城关镇北关村后山", "后山林区有人持油锯砍伐树木，已倒伏十余棵"),
    ((33.3190, 108.3050), "宁陕县城关镇寨沟村", "有人在山上设置铁丝套索捕猎野生动物"),
    ((33.3050, 108.3260), "宁陕县城关镇东河村三组", "林边有人焚烧秸秆，距林地不足五十米"),
    ((33.3230, 108.3190), "宁陕县城关镇太山庙村", "有人成片挖采野生天麻、猪苓"),
    ((33.3080, 108.3000), "宁陕县城关镇双河村", "松林成片枯黄，疑似松材线虫病"),
]


def test_screenshots(app, client, users, wechat, world, staff, _chromium):
    out = Path(OUT)
    out.mkdir(parents=True, exist_ok=True)
    town = Town(app, client, users, wechat, ids=world.ids)
    town.resident("resident")
    reported = town.submit("resident").get_json()["case_id"]
    states = ["submitted", "accepted", "dispatched", "in_progress", "pending_verification", "closed", "in_progress"]
    ids = []
    for n, state in enumerate(states):
        where, address, text = PLACES[n % len(PLACES)]
        category = ("illegal_logging", "wildlife", "forest_fire", "wild_herbs", "forest_pest")[n % 5]
        ids.append(drive(world, state, where=where, address=address, description=text, category=category,
                         at=utcnow() - timedelta(days=12 - n)))
    world.do(ids[3], "city_sup", "supervise", level="county", due=(utcnow() + timedelta(days=10)).date().isoformat(),
             reason="群众多次反映，县级挂牌督办")
    world.do(ids[6], "officer", "request_extension", days=5, reason="需协调水利部门联合执法")

    def shot(official, path, name, full_page=True):
        official.visit(path)
        official.page.wait_for_timeout(400)  # maps: let the outlines draw
        official.page.screenshot(path=str(out / f"{name}.png"), full_page=full_page)

    visitor = _chromium.official()
    shot(visitor, "/console/login", "01-login", full_page=False)
    sup = _chromium.official().sign_in(staff["county_sup"], PASSWORD)
    shot(sup, "/console/", "02-my-work-supervisor")
    shot(sup, "/console/cases", "03-case-list")
    shot(sup, f"/console/cases/{reported}", "04-case-submitted")
    sup.page.locator("details#action-dispatch").count()
    shot(sup, f"/console/cases/{ids[1]}", "05-case-dispatch")
    sup.page.locator("details#action-dispatch summary").click()
    sup.page.screenshot(path=str(out / "05-case-dispatch.png"), full_page=True)
    shot(sup, f"/console/cases/{ids[6]}", "06-case-extension")
    shot(sup, "/console/cases/new", "07-new-case")
    shot(sup, "/console/map", "08-map")
    officer = _chromium.official().sign_in(staff["officer"], PASSWORD)
    shot(officer, "/console/", "09-my-work-officer")
    shot(officer, f"/console/cases/{ids[3]}", "10-case-officer")
    officer.page.locator("details#action-submit_result summary").click()
    officer.page.screenshot(path=str(out / "10-case-officer.png"), full_page=True)
    shot(officer, "/console/cases/new", "11-forbidden", full_page=False)
    sup.visit(f"/console/cases/{reported}")
    sup.page.get_by_text("查看举报人身份", exact=True).click()
    sup.page.get_by_label("查看事由").fill("奖励核发前核实举报人联系方式")
    sup.page.get_by_role("button", name="查看", exact=True).click()
    sup.page.wait_for_load_state("load")
    sup.page.locator(".revealed").scroll_into_view_if_needed()
    sup.page.screenshot(path=str(out / "13-identity-reveal.png"), full_page=False)
    shot(sup, "/console/map#coverage-map", "14-map-coverage")
    made = world.client.post("/api/v1/registers/rechecks", headers=world.h("county_sup"), json={
        "title": "2026年第四季度已结案问题回头看", "due_on": (utcnow() + timedelta(days=20)).date().isoformat()})
    assert made.status_code == 201, made.get_json()
    shot(sup, "/console/registers/rechecks", "15-rechecks")
    shot(sup, f"/console/registers/rechecks/{made.get_json()['id']}", "16-recheck-batch")
    tablet = _chromium.official(width=820, height=1180).sign_in(staff["county_sup"], PASSWORD)
    shot(tablet, "/console/cases", "12-case-list-tablet", full_page=False)
    _chromium.end_test()
