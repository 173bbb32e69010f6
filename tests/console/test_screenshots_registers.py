"""`make screenshots` for the registers and campaigns pages (40–49): realistic farmstays of 宁陕, a campaign with its
steps, the problem register; saved as PNG into SCREENSHOTS_DIR (docs/console/).

Skipped unless SCREENSHOTS_DIR is set (a documentation step, not a check), and without chromium.
"""
import io
import os
from datetime import date, timedelta
from pathlib import Path

import pytest

from reporter.accounts.models import User
from reporter.common.timeutil import utcnow
from reporter.registers import campaigns
from tests.conftest import app_ctx
from tests.console.browser import CHROMIUM
from tests.console.conftest import PASSWORD, drive
from tests.console.registers_pages import SiteImport
from tests.registers.helpers import post_file, xlsx
from tests.reports.conftest import photo_bytes

OUT = os.environ.get("SCREENSHOTS_DIR")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not OUT, reason="set SCREENSHOTS_DIR (make screenshots) to save the pages"),
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no chromium at {CHROMIUM}")]

HEADERS = ["编号", "名称", "运营单位", "纬度", "经度", "坐标系", "范围(GeoJSON)", "地址", "状态", "存在问题",
           "处置方式", "床位数"]
FARMSTAYS = [
    ("NJL-001", "秦岭山水农家乐", "宁陕县秦岭山水农家乐", 33.3125, 108.3140, "", "", "宁陕县城关镇北关村", "",
     "侵占河道", "提升改造", 16),
    ("NJL-002", "溪畔人家", "宁陕县溪畔人家民宿", 33.3190, 108.3050, "", "", "宁陕县城关镇寨沟村", "", "乱排乱放",
     "提升改造", 8),
    ("NJL-003", "松涛小院", "宁陕县松涛小院", 33.3050, 108.3260, "", "", "宁陕县城关镇东河村", "", "压占林地",
     "关停取缔", 6),
    ("NJL-004", "月河客栈", "宁陕县月河客栈有限公司", 33.3230, 108.3190, "", "", "宁陕县城关镇太山庙村", "", "违规经营",
     "提升改造", 24),
    ("NJL-005", "云岭山庄", "宁陕县云岭山庄有限公司", 33.5100, 108.0700, "", "", "宁陕县皇冠镇朝阳村", "",
     "侵占河道、占用道路", "关停取缔", 30),
    ("NJL-006", "竹林人家", "宁陕县竹林人家农家乐", 33.1300, 108.4700, "", "", "宁陕县江口镇", "", "", "", 10),
]
BAD = [FARMSTAYS[0], ("NJL-007", "茶香农庄", "宁陕县茶香农庄", 33.3080, 108.3000, "", "", "宁陕县城关镇双河村", "停业",
                      "乱建", "提升改造", "十")]


def _day(days: int) -> str:
    return (utcnow() + timedelta(days=days)).date().isoformat()


CAMPAIGN = {"name": "2026年农家乐（民宿）集中整治", "kind": "farmstay", "counties": ["610923"], "starts_on": _day(-30),
            "milestones": [{"step": "survey", "zone": None, "due_on": _day(-10)},
                           {"step": "close", "zone": "core", "due_on": _day(30)},
                           {"step": "close", "zone": None, "due_on": _day(90)}],
            "targets": [{"name": "关停取缔到位≥2家", "measure": "count", "threshold": 2,
                         "where": {"outcome": "关停取缔"}, "step": "close"}]}


def test_screenshots_registers(app, world, staff, _chromium, tmp_path):
    out = Path(OUT)
    out.mkdir(parents=True, exist_ok=True)
    sup_h, insp_h = world.h("county_sup"), world.h("inspector")
    resp = post_file(world.client, "/api/v1/registers/site-kinds/farmstay/import", sup_h, xlsx(HEADERS, *FARMSTAYS),
                     name="宁陕县农家乐台账.xlsx")
    assert resp.status_code == 200, resp.get_json()
    sites = {s["code"]: s["id"] for s in world.client.get("/api/v1/registers/sites", query_string={
        "kind": "farmstay", "page_size": 50}, headers=sup_h).get_json()["items"]}
    campaign = world.client.post("/api/v1/registers/campaigns", json=CAMPAIGN, headers=sup_h).get_json()["id"]
    photo = world.client.post("/api/v1/uploads", headers=insp_h, content_type="multipart/form-data",
                              data={"file": (io.BytesIO(photo_bytes()), "验收.jpg"), "purpose": "evidence"})
    rectify = {"measures": "拆除侵占河道的平台，截污纳管", "deadline": date.fromisoformat(_day(20))}
    steps = [("NJL-001", "survey", -20, "county_sup", {"note": "现场排查：平台侵占河道约 40 平方米"}),
             ("NJL-002", "survey", -19, "county_sup", {"note": "现场排查：生活污水直排"}),
             ("NJL-003", "survey", -8, "county_sup", {"note": "现场排查：压占林地"}),
             ("NJL-006", "survey", -18, "county_sup", {"compliant": True, "note": "未发现问题"}),
             ("NJL-006", "close", -16, "county_sup", {"note": "排查无问题，予以销号"}),
             ("NJL-001", "rectify", -15, "county_sup", rectify), ("NJL-002", "rectify", -12, "county_sup", rectify),
             ("NJL-003", "rectify", -6, "county_sup", rectify),
             ("NJL-001", "accept", -2, "inspector", {"note": "平台已拆除，河岸恢复",
                                                     "photo_ids": [photo.get_json()["id"]]})]
    with app_ctx(app) as session:
        for code, step, days, who, data in steps:
            campaigns.record_step(campaign, sites[code], step, session.get(User, world.ids[who]), data,
                                  at=utcnow() + timedelta(days=days))
        campaigns.sweep_overdue()  # NJL-004 and NJL-005: 排查 past its day
    post_file(world.client, f"/api/v1/registers/sites/{sites['NJL-001']}/documents", sup_h,
              b"%PDF-1.4 site book", name="一站一书.pdf", title="一站一书")
    etag = world.client.get(f"/api/v1/registers/sites/{sites['NJL-001']}", headers=sup_h).headers["ETag"]
    world.client.post(f"/api/v1/registers/sites/{sites['NJL-001']}/state", headers={**sup_h, "If-Match": etag},
                      json={"state": "rectifying", "reason": "排查发现平台侵占河道，责令限期整改"})
    for n, (state, text) in enumerate([("in_progress", "农家乐平台侵占河道"), ("closed", "民宿生活污水直排河道"),
                                       ("pending_verification", "农家乐违规占用林地建停车场")]):
        drive(world, state, description=text, address="宁陕县城关镇", at=utcnow() - timedelta(days=20 - n))
    world.open(source="central_inspection", external_ref="中央督察反馈-12",
               description="秦岭北麓违规建房问题整改不彻底")

    def shot(official, path, name, full_page=True):
        official.visit(path)
        official.page.wait_for_timeout(500)  # maps and charts: let them draw
        official.page.screenshot(path=str(out / f"{name}.png"), full_page=full_page)

    sup = _chromium.official().sign_in(staff["county_sup"], PASSWORD)
    shot(sup, "/console/registers/problems", "40-problem-register")
    shot(sup, "/console/registers/sites?kind=farmstay", "41-site-register")
    shot(sup, "/console/registers/sites/map?kind=farmstay", "42-site-map", full_page=False)
    bad = tmp_path / "农家乐台账.xlsx"
    bad.write_bytes(xlsx(HEADERS, *BAD))
    SiteImport(sup, "farmstay").check(str(bad))
    sup.page.screenshot(path=str(out / "43-site-import-errors.png"), full_page=True)
    good = tmp_path / "农家乐台账（改）.xlsx"
    good.write_bytes(xlsx(HEADERS, (*FARMSTAYS[0][:-1], 18), *FARMSTAYS[1:3],
                          ("NJL-007", "茶香农庄", "宁陕县茶香农庄", 33.3080, 108.3000, "", "", "宁陕县城关镇双河村", "",
                           "乱排乱放", "提升改造", 10)))
    SiteImport(sup, "farmstay").check(str(good))
    sup.page.screenshot(path=str(out / "44-site-import-checked.png"), full_page=True)
    shot(sup, f"/console/registers/sites/{sites['NJL-001']}", "45-site")
    shot(sup, f"/console/registers/campaigns/{campaign}", "46-campaign")
    shot(sup, f"/console/registers/campaigns/{campaign}/sites/{sites['NJL-001']}", "47-campaign-site-steps")
    inspector = _chromium.official().sign_in(staff["inspector"], PASSWORD)
    shot(inspector, f"/console/registers/campaigns/{campaign}/sites/{sites['NJL-002']}", "48-campaign-step-accept")
    tablet = _chromium.official(width=820, height=1180).sign_in(staff["county_sup"], PASSWORD)
    shot(tablet, f"/console/registers/campaigns/{campaign}", "49-campaign-tablet", full_page=False)
    _chromium.end_test()
