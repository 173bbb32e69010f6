"""Stories in real Chromium: a farmstay (农家乐) register imported from Excel with a bad row shown, fixed and
committed; then a site taken through its campaign's 排查 → 整改 → 验收 → 销号 by the people the steps table names."""
from tests.cases.conftest import NINGSHAN
from tests.console.browser import browser_marks
from tests.console.conftest import PASSWORD
from tests.console.registers_pages import CampaignSite, SiteImport
from tests.registers.helpers import xlsx
from tests.reports.conftest import photo_bytes

pytestmark = browser_marks()

HEADERS = ["编号", "名称", "运营单位", "纬度", "经度", "坐标系", "范围(GeoJSON)", "地址", "状态", "存在问题",
           "处置方式", "床位数"]
ROWS = [("NJL-201", "秦岭山水农家乐", "宁陕县秦岭山水农家乐", *NINGSHAN, "", "", "宁陕县城关镇北关村", "", "侵占河道",
         "提升改造", 16),
        ("NJL-202", "溪畔人家", "宁陕县溪畔人家民宿", 33.3190, 108.3050, "", "", "宁陕县城关镇寨沟村", "", "乱排乱放",
         "提升改造", 8)]
BAD = ("NJL-203", "松涛小院", "宁陕县松涛小院", 33.3050, 108.3260, "", "", "宁陕县城关镇东河村", "", "乱建", "关停取缔",
       "六")
FIXED = ("NJL-203", "松涛小院", "宁陕县松涛小院", 33.3050, 108.3260, "", "", "宁陕县城关镇东河村", "", "压占林地",
         "关停取缔", 6)
CAMPAIGN = {"name": "2026年农家乐（民宿）集中整治", "kind": "farmstay", "counties": ["610923"],
            "starts_on": "2026-01-01", "milestones": [{"step": "survey", "zone": None, "due_on": "2026-12-31"}]}


def test_a_farmstay_register_is_imported_and_a_site_goes_through_its_campaign(world, staff, browser, tmp_path):
    sup = browser.official().sign_in(staff["county_sup"], PASSWORD)
    bad, fixed = tmp_path / "农家乐台账.xlsx", tmp_path / "农家乐台账（改）.xlsx"
    bad.write_bytes(xlsx(HEADERS, *ROWS, BAD))
    fixed.write_bytes(xlsx(HEADERS, *ROWS, FIXED))

    sheet = SiteImport(sup, "farmstay").check(str(bad))
    assert sheet.bad_rows() == ["4", "4"]  # row 4: 存在问题 not a choice, 床位数 not a number; nothing written
    assert "存在问题" in sheet.page.locator("#import-errors").inner_text()
    assert sup.page.get_by_role("button", name="确认导入").count() == 0
    sheet.check(str(fixed))
    assert "将新增 3 处" in sheet.plan()
    sheet.commit()
    assert "已导入" in sup.page.locator("[role=status]").inner_text()
    assert sup.page.locator("tr[data-site-id]").count() == 3
    sup.page.get_by_role("link", name="NJL-201").click()
    sup.page.wait_for_load_state("load")
    site_id = int(sup.page.url.rsplit("/", 1)[1])
    assert "导入" in sup.page.locator("#site-history").inner_text()

    resp = world.client.post("/api/v1/registers/campaigns", json=CAMPAIGN, headers=world.h("county_sup"))
    campaign_id = resp.get_json()["id"]
    steps = CampaignSite(sup, campaign_id, site_id)
    steps.record("排查", fields={"说明": "现场排查：平台侵占河道约 40 平方米"})
    steps.record("整改", fields={"整改措施": "拆除侵占河道的平台，恢复河岸", "整改时限": "2099-06-30"})
    assert steps.steps() == ["排查", "整改"]
    assert sup.page.locator("details#step-accept").count() == 0  # 验收 is not the rectifier's

    photo = tmp_path / "验收.jpg"
    photo.write_bytes(photo_bytes())
    inspector = browser.official().sign_in(staff["inspector"], PASSWORD)
    CampaignSite(inspector, campaign_id, site_id).record("验收", fields={"说明": "平台已拆除"},
                                                         photos=("现场照片（至少 1 张）", str(photo)))
    assert inspector.page.get_by_role("img", name="验收照片 1").is_visible()

    steps = CampaignSite(sup, campaign_id, site_id).record("销号", fields={"说明": "整改到位，予以销号"})
    assert steps.steps() == ["排查", "整改", "验收", "销号"] and "该站点已销号" in sup.page.content()
    sup.visit(f"/console/registers/campaigns/{campaign_id}")
    assert sup.page.locator('[data-figure="closed"] .count').inner_text() == "1"
    assert sup.page.locator("#campaign-chart canvas").count() == 1
