"""Stories in real Chromium: a responsibility-list draft edited, validated with a gap, activated with a reason and
its effect seen in the routing preview; a typical case published after fixing a personal-data finding, previewed,
then withdrawn."""
from tests.cases.conftest import NINGSHAN
from tests.console.browser import browser_marks
from tests.console.conftest import PASSWORD
from tests.console.test_typical import SUMMARY, _closed_with_photo

pytestmark = browser_marks()
API = "/api/v1/responsibility/versions"


class RlistDesk:
    """The 责任清单 pages as an admin uses them."""

    def __init__(self, official):
        self.official, self.page = official, official.page

    def _settle(self):
        self.page.wait_for_load_state("load")
        self.official.browser.check_accessibility(self.page)

    def open_list(self):
        self.page.get_by_role("navigation", name="主菜单").get_by_role("link", name="责任清单").click()
        self._settle()
        return self

    def new_draft(self, title: str):
        self.page.get_by_label("草稿标题").fill(title)
        self.page.get_by_role("button", name="新建草稿").click()
        self._settle()
        return self

    def row(self, rule_id: int):
        return self.page.locator(f"tr[data-rule-id='{rule_id}']")

    def set_days(self, rule_id: int, stage: str, days: int):
        row = self.row(rule_id)
        row.get_by_label(f"{stage}时限（工作日）").fill(str(days))
        row.get_by_role("button", name="保存").click()
        self._settle()

    def delete(self, rule_id: int):
        self.row(rule_id).get_by_role("button", name="删除").click()
        self._settle()

    def activate(self, *, force=False, reason=""):
        if force:
            self.page.get_by_label("存在缺口仍然生效").check()
        self.page.get_by_label("理由（强制生效时必填）").fill(reason)
        self.page.locator("#activate").get_by_role("button").click()
        self._settle()

    def preview(self, category_name: str, lat: float, lng: float):
        self.official.visit("/console/rlist/preview")
        self.page.locator("#pick-map .leaflet-overlay-pane path").first.wait_for()  # the outlines are drawn
        self.page.locator("#pick-map").click(position={"x": 200, "y": 200})  # a point picked fills the fields
        assert self.page.get_by_label("纬度").input_value() != ""
        self.page.get_by_label("问题类别").select_option(label=category_name)
        self.page.get_by_label("纬度").fill(str(lat))
        self.page.get_by_label("经度").fill(str(lng))
        self.page.get_by_role("button", name="预览分派").click()
        self._settle()
        return self.page.locator("#result").inner_text()


def test_a_draft_is_edited_validated_with_a_gap_activated_with_a_reason_and_routes_so(app, world, staff, browser):
    admin_api = world.h("admin")
    api = app.test_client()
    before = api.post("/api/v1/routing/preview", headers=admin_api, json={
        "category": "illegal_logging", "location": {"lat": NINGSHAN[0], "lng": NINGSHAN[1]}}).get_json()
    active = api.get(f"{API}/{before['version']['id']}", headers=admin_api).get_json()
    winner = next(r for r in active["rules"] if r["id"] == before["rule_id"])

    desk = RlistDesk(browser.official().sign_in(staff["admin"], PASSWORD)).open_list()
    desk.new_draft("2026年野生药材职责调整")
    assert "草稿" in desk.official.heading() and desk.page.locator("[data-check=clean]").is_visible()
    draft = api.get(API, headers=admin_api, query_string={"status": "draft"}).get_json()["items"][0]
    rules = api.get(f"{API}/{draft['id']}", headers=admin_api).get_json()["rules"]
    copy = next(r for r in rules if all(r[k] == winner[k] for k in ("category", "county_adcode", "zone")))
    desk.set_days(copy["id"], "办理", winner["handle_days"] + 7)
    assert desk.page.get_by_role("heading", name="修改 1 条").is_visible()
    for rule in [r for r in rules if r["category"] == "wild_herbs"]:
        desk.delete(rule["id"])
    assert desk.page.locator("[data-check=gaps]").is_visible()
    assert desk.page.locator("#gaps tbody tr").count() == 5
    desk.activate()  # refused: gaps
    assert "缺口" in desk.page.get_by_role("alert").inner_text()
    desk.activate(force=True, reason="野生药材职责待市委编办明确后补充")
    assert "生效中" in desk.official.heading()
    assert api.get(f"{API}/{draft['id']}", headers=admin_api).get_json()["status"] == "active"

    shown = desk.preview("乱砍滥伐、毁林", *NINGSHAN)
    assert f"第{draft['number']}版" in shown and f"处置 {winner['handle_days'] + 7} 个工作日" in shown
    herbs = api.post("/api/v1/routing/preview", headers=admin_api, json={
        "category": "wild_herbs", "location": {"lat": NINGSHAN[0], "lng": NINGSHAN[1]}}).get_json()
    shown = desk.preview(herbs["category_name"], *NINGSHAN)
    assert herbs["rule_id"] is None and herbs["explanation"] in shown and "市秦岭办" in shown


def test_a_typical_case_is_published_after_fixing_a_finding_previewed_then_withdrawn(app, world, staff, browser):
    case_id, _photo = _closed_with_photo(world)
    sup = browser.official().sign_in(staff["county_sup"], PASSWORD)
    page = sup.page
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="典型案例").click()
    page.wait_for_load_state("load")
    browser.check_accessibility(page)
    page.locator(f"tr[data-case-id='{case_id}']").get_by_role("link", name="发布为典型案例").click()
    page.wait_for_load_state("load")
    browser.check_accessibility(page)
    page.get_by_label("标题（公开）").fill("宁陕县城关镇盗伐林木案")
    page.get_by_label("案情摘要", exact=False).fill("举报人电话13912345678。" + SUMMARY)
    page.get_by_label("照片1").check()
    page.get_by_role("button", name="检查并预览").click()
    page.wait_for_load_state("load")
    browser.check_accessibility(page)
    assert "疑似含有手机号码" in page.locator("#findings").inner_text()
    assert page.get_by_role("button", name="发布", exact=True).count() == 0
    page.get_by_label("案情摘要", exact=False).fill(SUMMARY)
    page.get_by_role("button", name="检查并预览").click()
    page.wait_for_load_state("load")
    browser.check_accessibility(page)
    assert page.locator("#check-passed").is_visible()
    assert SUMMARY in page.locator("#public-page").inner_text()
    assert page.locator("#public-page img").count() == 1
    page.get_by_role("button", name="发布", exact=True).click()
    page.wait_for_load_state("load")
    browser.check_accessibility(page)
    published_id = int(page.url.rsplit("/", 1)[1])
    public = app.test_client().get(f"/api/v1/public/cases/{published_id}").get_json()
    article = page.locator("#public-page").inner_text()
    assert public["title"] in article and public["summary"] in article and public["closed_month"] in article
    page.get_by_label("撤下理由").fill("案情需补充后重新发布")
    page.get_by_role("button", name="撤下").click()
    page.wait_for_load_state("load")
    browser.check_accessibility(page)
    assert "已撤下" in page.get_by_role("status").inner_text()
    assert app.test_client().get(f"/api/v1/public/cases/{published_id}").status_code == 404
