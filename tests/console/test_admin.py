"""Administration and audit at the console over Flask's test client: who may open what, CSRF, the auditor who can
change nothing, sessions ended by account changes, and each page showing what the API answers for the same user."""
import io
import json
import re

import pytest

from tests.conftest import app_ctx
from tests.console.conftest import PASSWORD, Desk, drive

ADMIN_PAGES = ["/console/admin/users", "/console/admin/users/new", "/console/admin/units",
               "/console/admin/categories", "/console/admin/grids", "/console/admin/workdays",
               "/console/admin/outbox", "/console/admin/privacy"]
ADMIN_POSTS = ["/console/admin/users/new", "/console/admin/users/{user}", "/console/admin/grids/{grid}/inspectors",
               "/console/admin/workdays", "/console/admin/outbox/{message}/retry", "/console/admin/privacy"]
NEW_OFFICER = {"username": "ningshan.lin", "password": "Qinling-2026-forest", "roles": ["officer"],
               "unit_code": "610923.forestry", "display_name": "林小峰"}


def text(resp) -> str:
    return resp.get_data(as_text=True)


def ids_in(html: str, attr: str) -> list[str]:
    return re.findall(rf'{attr}="([^"]+)"', html)


def failed_message(app, users) -> str:
    """A message to a resident that the sender gave up on."""
    from reporter.notify.services import enqueue

    resident = users.make("resident")
    with app_ctx(app) as session:
        message = enqueue(resident, "case_closed", {"case_number": "QL2026-000001"})
        message.state, message.attempts, message.last_error = "failed", 8, "errcode 43101: user refuse to accept"
        session.commit()
        return message.id


def test_each_page_opens_for_its_roles_and_is_403_for_the_others(app, world, desk):
    admin, officer, auditor = desk("admin"), desk("officer"), desk("auditor")
    for path in ADMIN_PAGES + ["/console/audit"]:
        assert admin.client.get(path).status_code == 200, path
        assert officer.client.get(path).status_code == 403, path
    for path in ADMIN_PAGES:
        assert auditor.client.get(path).status_code == (200 if path == "/console/admin/users" else 403), path
    assert auditor.client.get("/console/audit").status_code == 200
    menu = text(admin.client.get("/console/admin/users"))
    assert all(title in menu for title in ("账号管理", "网格与网格员", "工作日历", "通知发送", "隐私政策", "审计日志"))
    assert "我的待办" not in menu and "账号管理" not in text(officer.client.get("/console/"))


def test_an_admin_lands_on_the_accounts_page_and_a_case_reader_on_my_work(app, world, desk):
    assert Desk(app, _username(app, world, "admin")).sign_in().headers["Location"].endswith("/console/admin/users")
    assert Desk(app, _username(app, world, "officer")).sign_in().headers["Location"].endswith("/console/")


def _username(app, world, who):
    from reporter.accounts.models import User

    with app_ctx(app) as session:
        return session.get(User, world.ids[who]).username


def test_every_admin_post_needs_the_csrf_token(app, world, desk, users):
    admin = desk("admin")
    resp = admin.client.post("/console/admin/users/new", data={**NEW_OFFICER})
    assert resp.status_code == 400 and "页面已过期" in text(resp)
    assert "ningshan.lin" not in text(admin.client.get("/console/admin/users"))
    message = failed_message(app, users)
    assert admin.client.post(f"/console/admin/outbox/{message}/retry").status_code == 400
    assert 'data-state="failed">1<' in text(admin.client.get("/console/admin/outbox"))


def test_an_auditor_can_change_nothing(app, world, desk, users):
    auditor = desk("auditor")
    message = failed_message(app, users)
    for path in ADMIN_POSTS:
        path = path.format(user=world.ids["officer"], grid=world.ids["grid_id"], message=message)
        resp = auditor.post(path, {"user_id": str(world.ids["inspector"]), "assign": "false", "roles": "admin",
                                   "title": "x", "body": "x", "username": "auditor2", "password": PASSWORD})
        assert resp.status_code == 403, path
    for path in ("/console/audit", "/console/admin/users", f"/console/audit/cases/{drive(world, 'accepted')}"):
        forms = re.findall(r'<form[^>]*method="post"[^>]*>', text(auditor.client.get(path)))
        assert forms == ['<form method="post" action="/console/logout" class="inline">'], path
    with app_ctx(app):
        from reporter.accounts.models import User
        from reporter.extensions import db
        from reporter.geo.services import inspector_ids_of_grid
        from reporter.notify.models import OutboxMessage

        assert db.session.get(User, world.ids["officer"]).roles == ["officer"]
        assert world.ids["inspector"] in inspector_ids_of_grid(world.ids["grid_id"])
        assert db.session.get(OutboxMessage, message).state == "failed"


def test_an_account_created_then_changed_and_disabled_ends_its_console_session(app, world, desk):
    admin = desk("admin")
    resp = admin.post("/console/admin/users/new", NEW_OFFICER, page="/console/admin/users/new")
    assert resp.status_code == 302, text(resp)
    api = app.test_client().get("/api/v1/admin/users", headers=world.h("admin"), query_string={"q": "ningshan"})
    [created] = api.get_json()["items"]
    assert created["roles"] == ["officer"] and created["unit"]["code"] == "610923.forestry"
    assert resp.headers["Location"].endswith(f"/console/admin/users/{created['id']}")

    officer = Desk(app, "ningshan.lin")
    assert officer.sign_in(NEW_OFFICER["password"]).status_code == 302
    assert officer.client.get("/console/cases").status_code == 200
    page = f"/console/admin/users/{created['id']}"
    resp = admin.post(page, {"roles": ["officer", "inspector"], "unit_code": "610923.forestry",
                             "display_name": "林小峰", "is_active": "true"}, page=page)
    assert resp.status_code == 302
    assert officer.client.get("/console/cases").status_code == 302  # signed out by the role change
    assert "该账号须重新登录" in text(admin.client.get(page))

    assert officer.sign_in(NEW_OFFICER["password"]).status_code == 302
    assert officer.client.get("/console/cases").status_code == 200
    admin.post(page, {"roles": ["officer", "inspector"], "unit_code": "610923.forestry", "is_active": "false"},
               page=page)
    assert officer.client.get("/console/cases").status_code == 302  # disabled
    assert officer.sign_in(NEW_OFFICER["password"]).status_code == 401
    actions = [e["action"] for e in app.test_client().get(
        "/api/v1/audit-events", headers=world.h("auditor"),
        query_string={"target_type": "user", "target_id": created["id"]}).get_json()["items"]]
    assert actions == ["user.update", "user.update", "user.create"]


def test_a_resident_is_not_administered_at_the_console(app, world, desk, users):
    admin = desk("admin")
    resident = users.make("resident")
    page = f"/console/admin/users/{resident}"
    assert admin.client.get(page).status_code == 404
    assert admin.post(page, {"roles": ["admin"], "is_active": "true"}, page="/console/admin/users").status_code == 404
    me = app.test_client().get("/api/v1/me", headers=users.headers(resident)).get_json()
    assert me["roles"] == ["resident"]


def test_account_errors_are_shown_next_to_the_fields(app, world, desk):
    admin = desk("admin")
    no_unit = admin.post("/console/admin/users/new", {**NEW_OFFICER, "unit_code": ""}, page="/console/admin/users/new")
    assert no_unit.status_code == 422 and 'id="err-unit_code"' in text(no_unit)
    assert 'value="ningshan.lin"' in text(no_unit)  # what was typed stays
    taken = admin.post("/console/admin/users/new", {**NEW_OFFICER, "username": _username(app, world, "officer")},
                       page="/console/admin/users/new")
    assert taken.status_code == 422 and 'id="err-username"' in text(taken)
    short = admin.post("/console/admin/users/new", {**NEW_OFFICER, "password": "short"},
                       page="/console/admin/users/new")
    assert short.status_code == 422 and 'id="err-password"' in text(short)


def test_the_account_list_equals_the_api_with_the_same_filters(app, world, desk):
    for who in ("admin", "auditor"):
        d = desk(who)
        for query in ({}, {"role": "officer"}, {"unit": "610923.forestry"}, {"q": "user"}):
            api = app.test_client().get("/api/v1/admin/users", headers=world.h(who),
                                        query_string={**query, "page_size": 100}).get_json()
            page = text(d.client.get("/console/admin/users", query_string={**query, "page_size": 100}))
            assert [int(x) for x in ids_in(page, "data-user-id")] == [u["id"] for u in api["items"]], (who, query)


def test_units_and_categories_are_the_reference_lists(app, world, desk):
    admin = desk("admin")
    api = app.test_client().get("/api/v1/units", headers=world.h("admin"),
                                query_string={"county": "610923", "page_size": 100}).get_json()
    page = text(admin.client.get("/console/admin/units", query_string={"county": "610923", "page_size": 100}))
    assert ids_in(page, "data-unit") == [u["code"] for u in api["items"]] and "宁陕县林业局" in page
    categories = app.test_client().get("/api/v1/categories").get_json()
    page = text(admin.client.get("/console/admin/categories"))
    assert ids_in(page, "data-category") == [c["code"] for c in categories]


def test_inspectors_are_assigned_and_taken_off_a_grid_as_the_api_shows(app, world, desk):
    admin = desk("admin")
    grid = world.ids["grid_id"]
    page = f"/console/admin/grids/{grid}"
    assert admin.post(f"{page}/inspectors", {"user_id": world.ids["other_inspector"], "assign": "true"},
                      page=page).status_code == 302
    shape = app.test_client().get(f"/api/v1/geo/grids/{grid}", headers=world.h("admin")).get_json()
    assigned = shape["features"][0]["properties"]["inspector_ids"]
    assert assigned == sorted([world.ids["inspector"], world.ids["other_inspector"]])
    html = text(admin.client.get(page))
    assert sorted(int(x) for x in ids_in(html, "data-inspector")) == assigned
    admin.post(f"{page}/inspectors", {"user_id": world.ids["inspector"], "assign": "false"}, page=page)
    shape = app.test_client().get(f"/api/v1/geo/grids/{grid}", headers=world.h("admin")).get_json()
    assert shape["features"][0]["properties"]["inspector_ids"] == [world.ids["other_inspector"]]
    refused = admin.post(f"{page}/inspectors", {"user_id": world.ids["officer"], "assign": "true"}, page=page)
    assert "只能指派" in text(admin.client.get(refused.headers["Location"]))
    outlines = admin.client.get("/console/admin/grids/grids.geojson", query_string={"grid": grid}).get_json()
    assert outlines["features"][0]["properties"]["inspectors"] == 1
    assert admin.client.get("/console/admin/grids/999999").status_code == 404


def year_file(year=2031, **extra) -> tuple:
    data = {"year": year, "holidays": [{"date": f"{year}-01-01", "name": "元旦"}, f"{year}-10-01"],
            "workdays": [f"{year}-09-27"], "source": f"国务院办公厅关于{year}年部分节假日安排的通知", **extra}
    return io.BytesIO(json.dumps(data, ensure_ascii=False).encode()), "holidays.json"


def test_a_working_day_year_is_loaded_from_a_file_and_its_source_shown(app, world, desk):
    admin = desk("admin")
    token = admin.token("/console/admin/workdays")
    bad = admin.client.post("/console/admin/workdays", data={"csrf_token": token,
                                                             "file": year_file(workdays=["2030-12-31"])})
    assert bad.status_code == 422 and "not in 2031" in text(bad)
    junk = admin.client.post("/console/admin/workdays", data={"csrf_token": token,
                                                              "file": (io.BytesIO(b"\x89PNG"), "x.json")})
    assert junk.status_code == 422 and "不是节假日年份文件" in text(junk)
    ok = admin.client.post("/console/admin/workdays", data={"csrf_token": token, "file": year_file()})
    assert ok.status_code == 302
    years = app.test_client().get("/api/v1/workdays/years", headers=world.h("admin")).get_json()
    assert [(y["year"], len(y["holidays"]), len(y["workdays"])) for y in years] == [(2031, 2, 1)]
    check = app.test_client().get("/api/v1/workdays/check", headers=world.h("admin"),
                                  query_string={"date": "2031-09-27"}).get_json()
    assert check["source"] == "loaded" and check["is_working_day"] is True
    page = text(admin.client.get("/console/admin/workdays"))
    assert "2031 年：2 个节假日，1 个调休上班日" in page and "国务院办公厅关于2031年" in page
    admin.post("/console/admin/workdays", {"unload": "2031"}, page="/console/admin/workdays")
    assert app.test_client().get("/api/v1/workdays/years", headers=world.h("admin")).get_json() == []


def test_a_failed_notification_is_retried_and_the_recipient_stays_anonymous(app, world, desk, users):
    admin = desk("admin")
    message = failed_message(app, users)
    page = text(admin.client.get("/console/admin/outbox", query_string={"state": "failed"}))
    api = app.test_client().get("/api/v1/admin/outbox", headers=world.h("admin"),
                                query_string={"state": "failed"}).get_json()
    assert ids_in(page, "data-message") == [m["id"] for m in api["items"]] == [message]
    assert "<td>举报人</td>" in page and "43101" in page
    assert admin.post(f"/console/admin/outbox/{message}/retry", {"state": "failed"},
                      page="/console/admin/outbox").status_code == 302
    api = app.test_client().get("/api/v1/admin/outbox", headers=world.h("admin"),
                                query_string={"state": "pending"}).get_json()
    assert [m["id"] for m in api["items"]] == [message]
    again = admin.post(f"/console/admin/outbox/{message}/retry", {}, page="/console/admin/outbox")  # now pending
    assert "只能重新发送发送失败的消息" in text(admin.client.get(again.headers["Location"]))
    audited = app.test_client().get("/api/v1/audit-events", headers=world.h("auditor"),
                                    query_string={"action": "outbox.retry"}).get_json()["items"]
    assert [(e["actor_id"], e["target_id"]) for e in audited] == [(world.ids["admin"], message)]
    assert admin.post("/console/admin/outbox/no-such-id/retry", {}, page="/console/admin/outbox").status_code == 404


def test_a_new_privacy_notice_is_published_and_residents_must_accept_it(app, world, desk, users):
    admin = desk("admin")
    before = app.test_client().get("/api/v1/privacy-notice").get_json()["current"]["version"]
    empty = admin.post("/console/admin/privacy", {"title": "新版", "body": ""}, page="/console/admin/privacy")
    assert empty.status_code == 422 and 'id="err-body"' in text(empty)
    resp = admin.post("/console/admin/privacy", {"title": "隐私政策（2027 年修订）", "body": "第一条 …",
                                                 "summary_of_changes": "增加照片保存期限说明"},
                      page="/console/admin/privacy")
    assert resp.status_code == 302
    notices = app.test_client().get("/api/v1/privacy-notice").get_json()
    assert notices["current"]["version"] == before + 1 and notices["current"]["title"] == "隐私政策（2027 年修订）"
    page = text(admin.client.get("/console/admin/privacy"))
    assert ids_in(page, "data-version") == [str(v["version"]) for v in notices["versions"]]
    resident = users.make("resident", consent=False)
    consents = app.test_client().get("/api/v1/me/consents", headers=users.headers(resident)).get_json()
    assert consents["current_version"] == before + 1 and consents["accepted_current"] is False


def test_the_audit_log_shows_what_the_api_lists_with_the_same_filters(app, world, desk):
    admin = desk("admin")
    admin.post("/console/admin/users/new", NEW_OFFICER, page="/console/admin/users/new")
    grid = world.ids["grid_id"]
    admin.post(f"/console/admin/grids/{grid}/inspectors", {"user_id": world.ids["other_inspector"],
                                                           "assign": "true"}, page="/console/admin/grids")
    auditor = desk("auditor")
    admin_name = _username(app, world, "admin")
    for page_query, api_query in [
        ({}, {}),
        ({"action": "user.create"}, {"action": "user.create"}),
        ({"actor": admin_name}, {"actor_id": world.ids["admin"]}),
        ({"target_type": "grid", "target_id": str(grid)}, {"target_type": "grid", "target_id": str(grid)}),
        ({"from": "2000-01-01", "to": "2000-01-31"}, {"from": "2000-01-01T00:00:00+08:00",
                                                      "to": "2000-02-01T00:00:00+08:00"}),
    ]:
        api = app.test_client().get("/api/v1/audit-events", headers=world.h("auditor"),
                                    query_string={**api_query, "page_size": 100}).get_json()
        page = text(auditor.client.get("/console/audit", query_string={**page_query, "page_size": 100}))
        assert [int(x) for x in ids_in(page, "data-event-id")] == [e["id"] for e in api["items"]], page_query
    assert "指派网格员" in text(auditor.client.get("/console/audit", query_string={"actor": admin_name}))
    unknown = text(auditor.client.get("/console/audit", query_string={"actor": "nobody-here"}))
    assert "没有这个账号" in unknown and "data-event-id" not in unknown
    assert "日期格式" in text(auditor.client.get("/console/audit", query_string={"from": "yesterday"}))


def test_an_auditor_reads_a_case_history_without_learning_who_reported(app, client, users, wechat, world, desk):
    from tests.reports.conftest import Town

    town = Town(app, client, users, wechat, ids=world.ids)
    town.resident("resident")
    case_id = town.submit("resident").get_json()["case_id"]
    world.do(case_id, "city_sup", "accept")
    world.do(case_id, "city_sup", "dispatch")
    reveal(app, world, case_id)
    auditor = desk("auditor")
    number = world.case(case_id).number
    found = auditor.client.get("/console/audit/cases", query_string={"number": number})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/console/audit/cases/{case_id}")
    page = text(auditor.client.get(found.headers["Location"]))
    api = app.test_client().get(f"/api/v1/cases/{case_id}", headers=world.h("auditor")).get_json()
    assert [int(x) for x in ids_in(page, "data-seq")] == [e["seq"] for e in api["events"]]
    assert "派遣" in page and _username(app, world, "city_sup") in page
    assert "查看举报人身份" in page and "核实举报内容需电话联系" in page  # the reveal of its report, with the reason
    resident_name = _username(app, world, "resident") if "resident" in world.ids else None
    assert resident_name is None or resident_name not in page
    assert auditor.client.get("/console/audit/cases", query_string={"number": "QL1999-999999"}).status_code == 404
    assert desk("admin").client.get(f"/console/audit/cases/{case_id}").status_code == 403
    assert desk("officer").client.get("/console/audit").status_code == 403


def reveal(app, world, case_id, who="city_sup"):
    """A supervisor looks up who reported (an audited act, with its reason)."""
    from reporter.accounts.models import User
    from reporter.reports.services import reports_of_case, reveal_identity

    with app_ctx(app) as session:
        report_id = reports_of_case(case_id)[0].id
        reveal_identity(session.get(User, world.ids[who]), report_id, "核实举报内容需电话联系举报人")


@pytest.mark.parametrize("who", ["officer", "county_sup"])
def test_case_readers_other_than_auditors_have_no_case_history_page(world, desk, who):
    assert desk(who).client.get(f"/console/audit/cases/{drive(world, 'submitted')}").status_code == 403


def test_a_refused_page_links_back_to_the_users_own_first_page(world, desk):
    admin = desk("admin")
    refused = admin.client.get("/console/")
    assert refused.status_code == 403
    assert '<a href="/console/admin/users">返回首页</a>' in refused.get_data(as_text=True)
