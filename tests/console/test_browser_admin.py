"""Stories in real Chromium: an admin's and an auditor's day at the console."""
import json

from tests.console.admin_pages import create_account, load_year, notice, sign_in, submit, year_source
from tests.console.browser import browser_marks
from tests.console.conftest import PASSWORD, drive
from tests.console.test_admin import failed_message

pytestmark = browser_marks()
NEW_PASSWORD = "Qinling-2026-forest"


def test_an_admin_runs_accounts_calendar_and_outbox_and_an_auditor_reads_the_trail(
        app, world, staff, users, browser, tmp_path):
    from reporter.common.timeutil import cst_date, utcnow

    message = failed_message(app, users)
    case_id = drive(world, "dispatched")

    # An admin creates an officer of 宁陕县林业局.
    admin = sign_in(browser.official(), staff["admin"], PASSWORD, lands="**/console/admin/users")
    assert admin.heading() == "账号管理"
    create_account(admin, username="ningshan.lin", password=NEW_PASSWORD, name="林小峰", role="经办人",
                   unit="宁陕县林业局")
    assert "已新建账号 ningshan.lin" in notice(admin)
    account_page = admin.page.url

    # The officer signs in and works; the admin adds a role: the officer's open session ends.
    officer = browser.official().sign_in("ningshan.lin", NEW_PASSWORD)
    officer.visit("/console/cases")
    assert officer.heading() == "案件列表"
    admin.page.get_by_label("网格员", exact=True).check()
    submit(admin, "保存")
    assert "须重新登录" in notice(admin) and admin.page.url == account_page
    officer.visit("/console/cases")
    assert "/console/login" in officer.page.url

    # A working-day year loaded from the State Council's notice as a file.
    year = cst_date(utcnow()).year + 2
    path = tmp_path / f"holidays-{year}.json"
    path.write_text(json.dumps({"year": year, "source": f"国务院办公厅关于{year}年部分节假日安排的通知",
                                "holidays": [f"{year}-01-01", f"{year}-10-01", f"{year}-10-02"],
                                "workdays": [f"{year}-09-30"]}, ensure_ascii=False), encoding="utf-8")
    assert year_source_before(admin, year) != "管理员导入"
    load_year(admin, str(path))
    assert f"已导入 {year} 年：3 个节假日，1 个调休上班日" in notice(admin)
    assert year_source(admin, year) == "管理员导入"

    # A failed notification is queued again.
    admin.visit("/console/admin/outbox?state=failed")
    row = admin.page.locator(f"tr[data-message='{message}']")
    assert "举报人" in row.inner_text() and "发送失败" in row.inner_text()
    submit(admin, "重新发送", within=row)
    assert "已重新排队发送" in notice(admin)
    assert admin.page.locator("strong[data-state='pending']").inner_text() == "1"
    assert admin.page.locator(f"tr[data-message='{message}']").count() == 0  # no longer failed

    # An auditor filters the audit log and reads a case's whole history.
    auditor = browser.official().sign_in(staff["auditor"], PASSWORD)
    auditor.visit("/console/audit")
    auditor.page.get_by_label("操作", exact=True).select_option(label="修改账号")
    submit(auditor, "查询")
    rows = auditor.page.locator("tr[data-event-id]")
    assert rows.count() == 1 and "ningshan.lin" not in rows.first.inner_text()  # the actor is the admin
    assert "inspector" in rows.first.inner_text() and "修改账号" in rows.first.inner_text()
    auditor.page.get_by_label("案件编号").fill(world.case(case_id).number)
    submit(auditor, "查看案件全部历史")
    assert auditor.heading() == f"案件 {world.case(case_id).number} 的全部历史"
    assert auditor.page.locator("tr[data-seq]").count() == 3  # 登记, 立案受理, 派遣
    assert auditor.page.locator("main form[method=post]").count() == 0  # read only


def year_source_before(admin, year: int) -> str:
    admin.visit("/console/admin/workdays")
    return year_source(admin, year)


def test_every_admin_and_audit_page_fits_a_tablet_and_passes_the_checks(app, world, staff, users, browser):
    failed_message(app, users)
    case_id = drive(world, "accepted")
    pages = {"admin": ["/console/admin/users", f"/console/admin/users/{world.ids['officer']}",
                       "/console/admin/users/new", "/console/admin/units", "/console/admin/categories",
                       "/console/admin/grids?county=610923", f"/console/admin/grids/{world.ids['grid_id']}",
                       "/console/admin/workdays", "/console/admin/outbox", "/console/admin/privacy", "/console/audit"],
             "auditor": ["/console/audit", f"/console/audit/cases/{case_id}", "/console/admin/users"]}
    for who, paths in pages.items():
        person = sign_in(browser.official(width=820, height=1180), staff[who], PASSWORD)
        for path in paths:
            assert person.visit(path).status == 200, path
            overflow = person.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (path, overflow)
    admin_map = sign_in(browser.official(), staff["admin"], PASSWORD).page
    admin_map.goto("/console/admin/grids?county=610923")
    admin_map.wait_for_selector("#grids-map[data-drawn]")
    assert int(admin_map.locator("#grids-map").get_attribute("data-drawn")) > 0  # the grids are on the map
