"""Stories in real Chromium: an official's day at the console, end to end."""
import re

import pytest

from tests.console.browser import browser_marks
from tests.console.conftest import PASSWORD, drive
from tests.reports.conftest import Town, photo_bytes

pytestmark = browser_marks()


def test_a_report_goes_round_the_loop_in_the_console(app, client, users, wechat, world, staff, browser, tmp_path):
    # A resident reports through the API, as the mini-program does.
    town = Town(app, client, users, wechat, ids=world.ids)
    town.resident("resident")
    resp = town.submit("resident")
    assert resp.status_code == 201, resp.get_json()
    case_id = resp.get_json()["case_id"]

    sup = browser.official().sign_in(staff["county_sup"], PASSWORD)
    assert sup.my_work()["待受理"] == 1
    case = sup.case(case_id)
    assert case.state() == "待受理" and "举报" in sup.page.content()
    case.act("立案受理")
    assert case.state() == "已立案待派遣"
    case.act("派遣")  # the routed unit is offered first
    assert case.state() == "待签收"

    officer = browser.official().sign_in(staff["officer"], PASSWORD)
    assert officer.my_work()["待签收"] == 1
    case = officer.case(case_id).act("签收")
    assert case.state() == "处置中"
    photo = tmp_path / "after.jpg"
    photo.write_bytes(photo_bytes())
    case.act("处置反馈", fields={"处置措施": "已责令停止砍伐并补种树苗"}, choose={"核实情况": "属实"},
             photos=("整改照片", str(photo)))
    assert case.state() == "待核查"
    assert officer.page.get_by_role("img", name="案件照片 1").is_visible()

    inspector = browser.official().sign_in(staff["inspector"], PASSWORD)
    assert inspector.my_work()["待现场核查"] == 1
    assert inspector.case(case_id).act("核查").state() == "已核查待结案"

    case = sup.case(case_id).act("结案")
    assert case.state() == "已结案"
    assert "结案" in sup.page.locator(".timeline").inner_text()


def test_an_officer_returns_a_case_not_theirs(world, staff, browser):
    case_id = drive(world, "dispatched")
    officer = browser.official().sign_in(staff["officer"], PASSWORD)
    case = officer.case(case_id)
    case.act("退回", fields={"理由": "不属于本单位职责"})
    # Returned: the officer no longer handles it; the supervisor sees it waiting to be dispatched again.
    assert world.case(case_id).state == "accepted" and world.case(case_id).return_count == 1
    sup = browser.official().sign_in(staff["county_sup"], PASSWORD)
    assert sup.my_work()["退回待重派"] == 1


def test_a_stale_form_shows_the_fresh_case_and_loses_nothing(world, staff, browser):
    case_id = drive(world, "submitted")
    sup = browser.official().sign_in(staff["county_sup"], PASSWORD)
    case = sup.case(case_id)
    world.do(case_id, "city_sup", "supervise", level="county", due="2030-01-31", reason="群众反映强烈")
    case.act("不予受理", choose={"不予受理理由": "信息不足"})  # the page still shows version 1
    assert "已被他人更新" in case.message()
    assert case.state() == "待受理" and "县级督办" in sup.page.content()  # the fresh case, with the other's change
    assert world.case(case_id).state == "submitted"
    case.act("不予受理", choose={"不予受理理由": "信息不足"})  # now on the fresh version
    assert case.state() == "不予受理"
    # A change of state meanwhile: refused too, saying the page was stale.
    case_id = drive(world, "submitted")
    case = sup.case(case_id)
    world.do(case_id, "city_sup", "accept")
    case.act("不予受理", choose={"不予受理理由": "信息不足"})
    assert "已被他人更新" in case.message() and case.state() == "已立案待派遣" and "派遣" in case.actions()


def test_a_page_the_role_may_not_use_answers_403(world, staff, browser):
    officer = browser.official().sign_in(staff["officer"], PASSWORD)
    assert "新建案件" not in officer.menu()
    response = officer.visit("/console/cases/new")
    assert response.status == 403 and officer.heading() == "无权访问"


def test_each_role_lists_what_the_api_lists(app, world, staff, browser):
    for state in ("submitted", "accepted", "dispatched", "in_progress", "pending_verification", "closed"):
        drive(world, state)
    drive(world, "submitted", where=(32.9000, 108.9000))
    for who in ("city_sup", "county_sup", "other_county_sup", "officer", "city_officer", "inspector", "auditor"):
        official = browser.official().sign_in(staff[who], PASSWORD)
        for query in ({}, {"status": ["in_progress", "closed"]}):
            api = app.test_client().get("/api/v1/cases", headers=world.h(who),
                                        query_string={**query, "page_size": 100}).get_json()
            listed = official.case_list(page_size=100, **query)
            assert listed.ids() == [item["id"] for item in api["items"]], (who, query)
            assert listed.total() == api["total"]


def test_the_list_filters_and_the_new_case_map(world, staff, browser):
    drive(world, "submitted")
    drive(world, "dispatched")
    sup = browser.official().sign_in(staff["county_sup"], PASSWORD)
    listed = sup.case_list().filter_status("待签收")
    assert listed.total() == 1
    sup.visit("/console/cases/new")
    sup.page.locator("#pick-map").click(position={"x": 200, "y": 200})
    assert re.match(r"^-?\d+\.\d{6}$", sup.page.get_by_label("纬度").input_value())


@pytest.mark.parametrize("width", [1366, 820])
def test_pages_fit_the_screen(world, staff, browser, width):
    case_id = drive(world, "in_progress")
    sup = browser.official(width=width).sign_in(staff["county_sup"], PASSWORD)
    for path in ("/console/", "/console/cases", f"/console/cases/{case_id}", "/console/cases/new"):
        sup.visit(path)
        overflow = sup.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)


def test_the_map_draws_the_listed_cases_on_the_outlines_without_tiles(world, staff, browser):
    drive(world, "submitted")
    drive(world, "dispatched")
    drive(world, "submitted", where=(32.9000, 108.9000))  # another county: not the county supervisor's
    sup = browser.official().sign_in(staff["county_sup"], PASSWORD)
    sup.visit("/console/map")
    sup.page.locator("#map-summary", has_text="显示 2 件").wait_for()
    assert sup.page.locator("#case-map-all path.leaflet-interactive").count() == 2  # the two points
    assert sup.page.locator("#case-map-all .leaflet-overlay-pane path").count() > 2  # and the outlines
    sup.visit("/console/map?status=dispatched")
    sup.page.locator("#map-summary", has_text="显示 1 件").wait_for()
