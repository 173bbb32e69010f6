"""`make screenshots` for the monthly bulletin (30-*.png …): October 2026 in 宁陕 and 汉滨 with a farmstay campaign
running this month, saved into SCREENSHOTS_DIR (docs/console/).

Skipped unless SCREENSHOTS_DIR is set (a documentation step, not a check), and without chromium.
"""
import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.cases.conftest import HANBIN, RESULT_FALSE
from tests.console.browser import CHROMIUM
from tests.console.bulletin_pages import BulletinPage
from tests.console.conftest import PASSWORD
from tests.registers.helpers import FARMSTAY
from tests.stats.conftest import RESULT_TRUE, build, cst, october  # noqa: F401  (October 2026, known figures)

OUT = os.environ.get("SCREENSHOTS_DIR")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not OUT, reason="set SCREENSHOTS_DIR (make screenshots) to save the pages"),
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no chromium at {CHROMIUM}"),
              pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                 reason="screenshots are taken in the PostgreSQL pass")]

HANBIN_CASES = [  # (opened, closed, source, category, description) in 汉滨区, handled by its forestry bureau
    (cst(10, 9), cst(10, 16), "patrol", "wild_herbs", "汉滨区牛蹄镇有人成片挖采野生天麻"),
    (cst(10, 12), cst(10, 20), "superior", "wildlife", "汉滨区叶坪镇有人设置铁丝套索捕猎野生动物"),
    (cst(10, 15), cst(10, 30), "undercover", "illegal_logging", "汉滨区大河镇有人夜间盗伐松树"),
    (cst(10, 18), cst(10, 28), "patrol", "forest_pest", "汉滨区茨沟镇松林成片枯黄，疑似松材线虫病"),
]
SITES = [("NJL-001", "秦岭人家"), ("NJL-002", "山水农家"), ("NJL-003", "松林小院"), ("NJL-004", "长安河渔家"),
         ("NJL-005", "筒车湾农庄")]


def _hanbin(world, build):  # noqa: F811
    for opened, closed, source, category, text in HANBIN_CASES:
        case_id = world.open(at=opened, where=HANBIN, source=source, category=category, description=text,
                             address="汉滨区")
        build.run(case_id, [(opened, "city_sup", "accept", {}), (opened, "city_sup", "dispatch", {}),
                            (opened + timedelta(days=1), "other_officer", "sign", {}),
                            (closed - timedelta(days=2), "other_officer", "submit_result",
                             {**RESULT_TRUE, "photo_ids": [world.upload("other_officer")]} if "盗伐" not in text
                             else RESULT_FALSE),
                            (closed - timedelta(days=1), "city_sup", "verify", {"result": "pass"}),
                            (closed, "city_sup", "close", {})])


def _campaign(world) -> None:
    today = date.today()
    ids = []
    for n, (code, name) in enumerate(SITES):
        lat, lng = FARMSTAY["geometry"]["coordinates"][1] + 0.002 * n, FARMSTAY["geometry"]["coordinates"][0]
        body = {**FARMSTAY, "code": code, "name": name, "operator": f"宁陕县{name}农家乐",
                "geometry": {"type": "Point", "coordinates": [lng, lat]}}
        resp = world.client.post("/api/v1/registers/sites", json=body, headers=world.h("county_sup"))
        assert resp.status_code == 201, resp.get_json()
        ids.append(resp.get_json()["id"])
    body = {"name": "秦岭农家乐专项整治", "kind": "farmstay", "starts_on": (today - timedelta(days=40)).isoformat(),
            "milestones": [{"step": "survey", "zone": None, "due_on": (today - timedelta(days=5)).isoformat()},
                           {"step": "accept", "zone": None, "due_on": (today + timedelta(days=20)).isoformat()}]}
    created = world.client.post("/api/v1/registers/campaigns", json=body, headers=world.h("city_sup"))
    assert created.status_code == 201, created.get_json()
    campaign = created.get_json()["id"]

    def step(site, name, who, **data):
        resp = world.client.post(f"/api/v1/registers/campaigns/{campaign}/sites/{site}/steps/{name}", json=data,
                                 headers=world.h(who))
        assert resp.status_code == 201, resp.get_json()

    for site in ids[:4]:
        step(site, "survey", "inspector")
    for site in ids[:3]:
        step(site, "rectify", "county_sup", measures="拆除侵占河道的平台，恢复河岸植被",
             deadline=(today + timedelta(days=15)).isoformat())
    step(ids[0], "accept", "inspector", photo_ids=[world.upload("inspector")], note="现场验收合格")
    step(ids[0], "close", "county_sup")


NAMES = {"city_sup": "陈秦岭", "county_sup": "刘宁陕", "other_county_sup": "赵汉滨", "officer": "王林业",
         "other_officer": "孙汉林", "inspector": "张巡山", "other_inspector": "李护林"}


def test_screenshots_bulletin(app, world, staff, build, october, _chromium):  # noqa: F811
    from reporter.accounts.models import User
    from tests.conftest import app_ctx

    out = Path(OUT)
    out.mkdir(parents=True, exist_ok=True)
    with app_ctx(app) as session:
        for who, name in NAMES.items():
            session.get(User, world.ids[who]).display_name = name
        session.commit()
    _hanbin(world, build)
    _campaign(world)
    today = date.today()
    this_month = f"{today.year:04d}-{today.month:02d}"
    app.config["STATS_MIN_SAMPLE"] = 2
    try:
        def shot(official, path, name, *, full_page=True, locator=None):
            page = BulletinPage.open(official, path)
            page.charts_drawn()
            target = official.page.locator(locator) if locator else official.page
            kwargs = {"full_page": full_page} if not locator else {}
            target.screenshot(path=str(out / f"{name}.png"), **kwargs)

        city = _chromium.official().sign_in(staff["city_sup"], PASSWORD)
        shot(city, "/console/bulletin?month=2026-10", "30-bulletin-city")
        shot(city, "/console/bulletin?month=2026-10", "31-bulletin-ranking-charts", locator="section:has(#s-ranking)")
        shot(city, "/console/bulletin?month=2026-10", "32-bulletin-trend-charts", locator="section:has(#s-charts)")
        shot(city, f"/console/bulletin?month={this_month}&county=610923", "33-bulletin-campaign",
             locator="section:has(#s-campaigns)")
        county = _chromium.official().sign_in(staff["county_sup"], PASSWORD)
        shot(county, "/console/bulletin?month=2026-10", "34-bulletin-county", full_page=False)
        tablet = _chromium.official(width=820, height=1180).sign_in(staff["city_sup"], PASSWORD)
        shot(tablet, "/console/bulletin?month=2026-10", "35-bulletin-tablet", full_page=False)
    finally:
        app.config.pop("STATS_MIN_SAMPLE")
    _chromium.end_test()
