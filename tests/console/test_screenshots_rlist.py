"""`make screenshots` for 责任清单 and 典型案例 (50–59-*.png in SCREENSHOTS_DIR, docs/console/): the versions, a draft
with an edit, a gap and its diff, an import refused row by row, the routing preview, a typical case's findings, its
preview and the published page. Skipped unless SCREENSHOTS_DIR is set, and without chromium."""
import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.cases.conftest import NINGSHAN
from tests.console.browser import CHROMIUM
from tests.console.conftest import PASSWORD
from tests.console.test_typical import SUMMARY, _closed_with_photo

OUT = os.environ.get("SCREENSHOTS_DIR")
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not OUT, reason="set SCREENSHOTS_DIR (make screenshots) to save the pages"),
              pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no chromium at {CHROMIUM}")]
API = "/api/v1/responsibility/versions"


def test_screenshots_rlist(app, world, staff, _chromium, tmp_path):
    out = Path(OUT)
    out.mkdir(parents=True, exist_ok=True)
    api, admin_h = app.test_client(), world.h("admin")

    def shot(official, path, name, full_page=True):
        if path:
            official.visit(path)
        official.page.wait_for_timeout(400)  # maps: let the outlines draw
        official.page.screenshot(path=str(out / f"{name}.png"), full_page=full_page)

    admin = _chromium.official().sign_in(staff["admin"], PASSWORD)
    admin.visit("/console/rlist")
    admin.page.get_by_label("草稿标题").fill("2026年野生药材职责调整")
    admin.page.get_by_role("button", name="新建草稿").click()
    admin.page.wait_for_load_state("load")
    draft = api.get(API, headers=admin_h, query_string={"status": "draft"}).get_json()["items"][0]
    rules = api.get(f"{API}/{draft['id']}", headers=admin_h).get_json()["rules"]
    logging_rule = next(r for r in rules if r["category"] == "illegal_logging")
    row = admin.page.locator(f"tr[data-rule-id='{logging_rule['id']}']")
    row.get_by_label("办理时限（工作日）").fill(str(logging_rule["handle_days"] + 5))
    row.get_by_role("button", name="保存").click()
    admin.page.wait_for_load_state("load")
    for rule in [r for r in rules if r["category"] == "wild_herbs"]:
        admin.page.locator(f"tr[data-rule-id='{rule['id']}']").get_by_role("button", name="删除").click()
        admin.page.wait_for_load_state("load")
    shot(admin, f"/console/rlist/{draft['id']}", "51-rlist-draft-gaps")
    # A workbook with one unknown unit kind: refused, row by row.
    book = load_workbook(io.BytesIO(api.get(f"{API}/{draft['id']}/export", headers=admin_h).data))
    book["责任清单"].cell(row=4, column=4, value="护林队")
    path = tmp_path / "责任清单.xlsx"
    book.save(path)
    admin.page.get_by_label("XLSX 文件").set_input_files(str(path))
    admin.page.locator("#import").get_by_role("button", name="导入").click()
    admin.page.wait_for_load_state("load")
    admin.page.locator("#import").scroll_into_view_if_needed()
    shot(admin, None, "52-rlist-import-errors", full_page=False)
    admin.page.get_by_label("存在缺口仍然生效").check()
    admin.page.get_by_label("理由（强制生效时必填）").fill("野生药材职责待市委编办明确后补充")
    admin.page.locator("#activate").get_by_role("button").click()
    admin.page.wait_for_load_state("load")
    shot(admin, "/console/rlist", "50-rlist-versions")
    preview = "/console/rlist/preview?category=illegal_logging&lat={}&lng={}".format(*NINGSHAN)
    shot(admin, preview, "53-routing-preview")

    case_id, _photo = _closed_with_photo(world)
    sup = _chromium.official().sign_in(staff["county_sup"], PASSWORD)
    shot(sup, "/console/typical", "54-typical-list")
    sup.visit(f"/console/typical/new/{case_id}")
    sup.page.get_by_label("标题（公开）").fill("宁陕县城关镇盗伐林木案")
    sup.page.get_by_label("案情摘要", exact=False).fill("举报人电话13912345678，" + SUMMARY)
    sup.page.get_by_label("照片1").check()
    sup.page.get_by_role("button", name="检查并预览").click()
    sup.page.wait_for_load_state("load")
    shot(sup, None, "55-typical-findings")
    sup.page.get_by_label("案情摘要", exact=False).fill(SUMMARY)
    sup.page.get_by_role("button", name="检查并预览").click()
    sup.page.wait_for_load_state("load")
    shot(sup, None, "56-typical-preview")
    sup.page.get_by_role("button", name="发布", exact=True).click()
    sup.page.wait_for_load_state("load")
    shot(sup, None, "57-typical-published")
    tablet = _chromium.official(width=820, height=1180).sign_in(staff["admin"], PASSWORD)
    shot(tablet, f"/console/rlist/{draft['id']}", "58-rlist-version-tablet", full_page=False)
    _chromium.end_test()
