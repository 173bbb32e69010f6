"""回头看 in real Chromium: a supervisor schedules it with the form, the grid's inspector records on site with a
photo."""
from datetime import timedelta

from reporter.common.timeutil import cst_date, utcnow
from tests.console.browser import browser_marks
from tests.console.conftest import PASSWORD
from tests.registers.test_rechecks import _closed
from tests.reports.conftest import photo_bytes

pytestmark = browser_marks()


def test_a_recheck_is_scheduled_and_confirmed_on_site(world, staff, browser, tmp_path):
    case_id = _closed(world, source="audit", external_ref="审计-9")
    sup = browser.official().sign_in(staff["county_sup"], PASSWORD)
    sup.visit("/console/registers/rechecks")
    page = sup.page
    page.get_by_label("名称").fill("审计问题整改回头看")
    page.get_by_label("来源").select_option(value="audit")
    page.get_by_label("完成期限").fill((cst_date(utcnow()) + timedelta(days=10)).isoformat())
    page.get_by_role("button", name="安排").click()
    page.wait_for_url("**/console/registers/rechecks/*")
    sup.browser.check_accessibility(page)
    assert page.locator("#recheck-counts").inner_text() == "共 1 件：待复核 1，整改到位 0，未到位 0。"

    photo = tmp_path / "onsite.jpg"
    photo.write_bytes(photo_bytes())
    inspector = browser.official().sign_in(staff["inspector"], PASSWORD)
    assert inspector.my_work()["回头看待复核"] == 1
    inspector.visit("/console/registers/rechecks")
    row = inspector.page.locator("tr[data-item-id]", has_text=f"案件 {case_id}")
    row.get_by_label("整改到位").check()
    row.get_by_label("现场情况").fill("现场复核，违建已拆除，植被恢复")
    row.get_by_label("现场照片").set_input_files(str(photo))
    row.get_by_role("button", name="记录复核结果").click()
    inspector.page.wait_for_load_state("load")
    inspector.browser.check_accessibility(inspector.page)
    assert "已记录：回头看整改到位" in inspector.page.locator("[role=status]").first.inner_text()
    sup.page.reload()
    assert sup.page.locator("#recheck-counts").inner_text() == "共 1 件：待复核 0，整改到位 1，未到位 0。"
