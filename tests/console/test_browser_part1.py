"""Part 1's remaining pieces in real Chromium: the map's zones and a month's patrol coverage by grid, and the audited
identity reveal on a case page (keyboard and labels only)."""
from datetime import datetime

from tests.console.browser import browser_marks
from tests.console.conftest import PASSWORD
from tests.reports.conftest import Town

pytestmark = browser_marks()


def test_the_map_draws_zones_and_the_months_coverage_by_grid(client, world, staff, browser):
    month = datetime.now().strftime("%Y-%m")
    api = client.get(f"/api/v1/stats/map/coverage?month={month}", headers=world.h("county_sup")).get_json()
    sup = browser.official().sign_in(staff["county_sup"], PASSWORD)
    sup.visit(f"/console/map?month={month}")
    sup.page.locator("#coverage-summary", has_text=f"{len(api['features'])} 个网格").wait_for()
    grids = sup.page.locator("#coverage-map path.leaflet-interactive")
    assert grids.count() == len(api["features"])  # one shaded polygon per grid of the county
    zones = sup.page.locator("#case-map-all .leaflet-overlay-pane path[stroke-dasharray]")
    zones.first.wait_for()  # the zones come by a fetch of their own, after the coverage map's: drawn in time, or fail
    assert zones.count() > 0
    officer = browser.official().sign_in(staff["officer"], PASSWORD)
    officer.visit("/console/map")
    assert officer.page.locator("#coverage-map").count() == 0


def test_a_supervisor_reveals_the_reporter_with_a_reason(app, client, users, wechat, world, staff, browser):
    town = Town(app, client, users, wechat, ids=world.ids)
    town.resident("named")
    report = town.submit("named").get_json()
    sup = browser.official().sign_in(staff["county_sup"], PASSWORD)
    case = sup.case(report["case_id"])
    assert "13800138000" not in case.page.content()
    case.page.get_by_text("查看举报人身份", exact=True).focus()
    case.page.keyboard.press("Enter")
    case.page.get_by_label("查看事由").fill("核实举报线索真实性")
    case.page.get_by_role("button", name="查看", exact=True).click()
    case.page.wait_for_load_state("load")
    sup.browser.check_accessibility(case.page)
    assert "13800138000" in case.page.locator(".revealed").inner_text()
