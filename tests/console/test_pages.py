"""The console over Flask's test client: sign-in tied to the API's session records, CSRF, roles, the list equal to
the API's, actions through the same service with the stale-version answer, and the export."""
import io

from openpyxl import load_workbook

from tests.console.conftest import PASSWORD, Desk, csrf_of, drive
from tests.support.workbooks import assert_print_ready, today_words


def test_sign_in_sets_a_hardened_cookie_and_the_page_a_strict_csp(app, world, desk):
    d = Desk(app, "nobody")
    assert d.client.get("/console/cases").status_code == 302  # to the sign-in page
    wrong = d.sign_in("wrong password!")
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.get_data(as_text=True)
    sup = Desk(app, "x")
    sup.username = _username(app, world, "city_sup")
    cookie = sup.sign_in().headers["Set-Cookie"]
    assert cookie.startswith("console_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = sup.client.get("/console/")
    assert page.status_code == 200 and "待受理" in page.get_data(as_text=True)
    csp = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp


def _username(app, world, who):
    from reporter.accounts.models import User
    from tests.conftest import app_ctx

    with app_ctx(app) as session:
        return session.get(User, world.ids[who]).username


def test_every_post_needs_the_csrf_token(app, world, desk):
    sup = desk("city_sup")
    case_id = drive(world, "submitted")
    resp = sup.client.post(f"/console/cases/{case_id}/actions", data={"action": "accept", "version": "1"})
    assert resp.status_code == 400 and "页面已过期" in resp.get_data(as_text=True)
    assert world.case(case_id).state == "submitted"
    assert sup.client.post("/console/logout").status_code == 400  # logout too


def test_logout_and_a_role_change_end_the_console_session(app, world, desk):
    from reporter.accounts.services import update_user
    from tests.conftest import app_ctx

    sup = desk("city_sup")
    assert sup.post("/console/logout", {}).status_code == 302
    assert sup.client.get("/console/").status_code == 302
    officer = desk("officer")
    assert officer.client.get("/console/").status_code == 200
    with app_ctx(app):
        update_user(world.ids["officer"], {"roles": ["officer", "inspector"]}, actor_id=world.ids["admin"])
    assert officer.client.get("/console/").status_code == 302  # signed out by the role change


def test_a_page_the_role_may_not_use_is_403_and_not_in_the_menu(app, world, desk):
    officer = desk("officer")
    home = officer.client.get("/console/").get_data(as_text=True)
    assert "新建案件" not in home and "案件列表" in home
    resp = officer.client.get("/console/cases/new")
    assert resp.status_code == 403 and "无权访问" in resp.get_data(as_text=True)
    admin = desk("admin")
    assert admin.client.get("/console/cases").status_code == 403


def test_the_list_shows_exactly_what_the_api_lists_with_the_same_filters(app, world, desk):
    ids = [drive(world, state) for state in ("submitted", "accepted", "dispatched", "in_progress")]
    ids.append(drive(world, "submitted", where=(32.9000, 108.9000)))  # 汉滨: outside the county officer's scope
    for who in ("city_sup", "county_sup", "officer", "inspector", "other_officer", "auditor"):
        d = desk(who)
        for query in ({}, {"status": "submitted"}, {"status": ["accepted", "dispatched"]}, {"sort": "age"}):
            api = app.test_client().get("/api/v1/cases", headers=world.h(who),
                                        query_string={**query, "page_size": 100}).get_json()
            page = d.client.get("/console/cases", query_string={**query, "page_size": 100}).get_data(as_text=True)
            shown = [int(x) for x in __import__("re").findall(r'data-case-id="(\d+)"', page)]
            assert shown == [item["id"] for item in api["items"]], (who, query)
            assert f'data-total="{api["total"]}"' in page


def test_actions_go_through_the_service_and_a_stale_version_shows_the_fresh_case(app, world, desk):
    case_id = drive(world, "submitted")
    sup = desk("county_sup")
    page = sup.client.get(f"/console/cases/{case_id}").get_data(as_text=True)
    token = csrf_of(page)
    resp = sup.client.post(f"/console/cases/{case_id}/actions",
                           data={"action": "accept", "version": "1", "csrf_token": token})
    assert resp.status_code == 302 and world.case(case_id).state == "accepted"
    # A second form still at version 1 (someone else acted meanwhile): refused, the fresh case shown.
    stale = sup.client.post(f"/console/cases/{case_id}/actions",
                            data={"action": "dispatch", "version": "1", "csrf_token": token})
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "已被他人更新" in body and "已立案待派遣" in body
    assert world.case(case_id).state == "accepted"
    # A missing required field: 422 with the error next to it, nothing changed.
    resp = sup.client.post(f"/console/cases/{case_id}/actions",
                           data={"action": "hand_over", "version": "2", "to": "police", "csrf_token": token})
    assert resp.status_code == 422 and 'id="err-reason"' in resp.get_data(as_text=True)
    assert world.case(case_id).version == 2


def test_submit_result_uploads_the_browser_photo_and_export_has_the_filtered_cases(app, world, desk):
    from PIL import Image

    case_id = drive(world, "in_progress")
    officer = desk("officer")
    token = csrf_of(officer.client.get(f"/console/cases/{case_id}").get_data(as_text=True))
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 120, 40)).save(buf, "JPEG")
    buf.seek(0)
    resp = officer.client.post(f"/console/cases/{case_id}/actions", content_type="multipart/form-data", data={
        "action": "submit_result", "version": str(world.case(case_id).version), "finding": "true",
        "measures": "已恢复植被", "photos": (buf, "after.jpg"), "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert world.case(case_id).state == "pending_verification"
    page = officer.client.get(f"/console/cases/{case_id}").get_data(as_text=True)
    assert "案件照片 1" in page
    drive(world, "submitted")
    sup = desk("city_sup")
    book = load_workbook(io.BytesIO(sup.client.get("/console/cases/export.xlsx?status=pending_verification").data))
    assert_print_ready(book.active, f"问题台账（截至{today_words()}）")
    rows = list(book.active.values)[1:]  # the problem register's columns, under the title row
    assert rows[0][:4] == ("序号", "问题来源", "反馈编号", "问题描述") and len(rows) == 2
    assert rows[1][-1] == world.case(case_id).number and rows[1][11] == "否"  # not closed off yet


def test_my_work_counts_per_role(app, world, desk):
    drive(world, "submitted")
    drive(world, "dispatched")
    sup = desk("county_sup").client.get("/console/").get_data(as_text=True)
    assert 'data-work="待受理"><span class="count">1</span>' in sup
    officer = desk("officer").client.get("/console/").get_data(as_text=True)
    assert 'data-work="待签收"><span class="count">1</span>' in officer


def test_a_supervisor_enters_a_case_with_a_point(app, world, desk):
    sup = desk("county_sup")
    resp = sup.post("/console/cases/new", {"source": "video", "category": "illegal_logging",
                                           "description": "监控发现砍伐", "lat": "33.3125", "lng": "108.3140"},
                    page="/console/cases/new")
    assert resp.status_code == 302
    assert "已登记案件" in sup.client.get(resp.headers["Location"]).get_data(as_text=True)
    assert PASSWORD


def test_countdowns_count_working_days_and_overdue_days(app):
    from datetime import timedelta

    from reporter.common.timeutil import cst_date, utcnow
    from reporter.console.filters import countdown
    from reporter.workdays.services import working_days_between

    with app.test_request_context():
        today = cst_date(utcnow())
        for days in (40, 3, 17, 0, 1, 60):  # out of order: the running count must still be right
            due = today + timedelta(days=days)
            expected = working_days_between(today, due)
            assert countdown(due) == {"text": "今日到期" if expected == 0 else f"剩 {expected} 个工作日",
                                      "late": False}
        assert countdown(today - timedelta(days=4)) == {"text": "超期 4 天", "late": True}


def test_fresh_sign_in_asks_for_the_password_again(app, world, desk):
    sup = desk("city_sup")
    with sup.client.session_transaction() as cookie:
        cookie["fresh_until"] = 0
    page = sup.client.get("/console/reauth?next=/console/cases")
    assert page.status_code == 200 and "确认身份" in page.get_data(as_text=True)
    token = csrf_of(page.get_data(as_text=True))
    wrong = sup.client.post("/console/reauth?next=/console/cases", data={"password": "nope", "csrf_token": token})
    assert wrong.status_code == 401
    right = sup.client.post("/console/reauth?next=//evil.example/x", data={"password": PASSWORD, "csrf_token": token})
    assert right.status_code == 302 and right.headers["Location"] == "/console/"  # never off-site
    with sup.client.session_transaction() as cookie:
        assert cookie["fresh_until"] > 0


def test_images_redirected_to_the_object_store_are_allowed_by_the_pages_csp(app, world, desk, monkeypatch):
    sup = desk("county_sup")
    assert "img.example.cn" not in sup.client.get("/console/").headers["Content-Security-Policy"]
    monkeypatch.setitem(app.config, "STORAGE_URL", "s3://photos?endpoint=http://10.0.0.5:8333"
                                                   "&public_endpoint=https://img.example.cn")
    monkeypatch.setitem(app.config, "STORAGE_SERVE", "stream")
    assert "img.example.cn" not in sup.client.get("/console/").headers["Content-Security-Policy"]
    monkeypatch.setitem(app.config, "STORAGE_SERVE", "redirect")
    csp = sup.client.get("/console/").headers["Content-Security-Policy"]
    img = next(part for part in csp.split(";") if part.strip().startswith("img-src"))
    assert "https://img.example.cn" in img and "10.0.0.5" not in csp
