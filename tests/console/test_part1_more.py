"""Part 1's remaining pages over the test client: the audited identity reveal on a case, the map's protection
zones and patrol coverage (the API's service and scope), and the register work (回头看, overdue campaign steps) in
我的待办."""
import re
from datetime import timedelta

from sqlalchemy import select

from reporter.audit.models import AuditEvent
from reporter.common.timeutil import cst_date, utcnow
from tests.conftest import app_ctx
from tests.console.conftest import csrf_of
from tests.reports.conftest import Town


def _reveal(desk, case_id, report_id, reason):
    page = desk.client.get(f"/console/cases/{case_id}").get_data(as_text=True)
    return desk.client.post(f"/console/reports/{report_id}/identity",
                            data={"reason": reason, "csrf_token": csrf_of(page)})


def _reveals(app):
    with app_ctx(app) as session:
        return [(e.actor_id, e.target_id, e.reason) for e in session.execute(
            select(AuditEvent).where(AuditEvent.action == "report.identity_revealed").order_by(AuditEvent.id)
        ).scalars()]


def test_a_supervisor_reveals_who_reported_with_a_reason_and_the_reveal_is_audited(
        app, client, users, wechat, world, desk):
    town = Town(app, client, users, wechat, ids=world.ids)
    town.resident("named")
    town.resident("anon")
    named = town.submit("named").get_json()
    anon = town.submit("anon", where=(33.35, 108.36), anonymous=True, contact=None).get_json()
    sup, officer, other = desk("county_sup"), desk("officer"), desk("other_county_sup")

    page = sup.client.get(f"/console/cases/{named['case_id']}").get_data(as_text=True)
    assert f'id="reveal-{named["id"]}"' in page and "13800138000" not in page  # a form, not the identity

    short = _reveal(sup, named["case_id"], named["id"], "看看")
    assert short.status_code == 422 and "查看事由须为 5 至 500 字" in short.get_data(as_text=True)
    assert _reveals(app) == []  # refused before anything is shown or recorded

    shown = _reveal(sup, named["case_id"], named["id"], "核实举报线索真实性")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "13800138000" in html and "张三" in html
    assert shown.headers["Cache-Control"] == "no-store"
    assert "13800138000" not in sup.client.get(f"/console/cases/{named['case_id']}").get_data(as_text=True)

    hidden = _reveal(sup, anon["case_id"], anon["id"], "核实举报线索真实性")
    assert hidden.status_code == 200 and "匿名举报：系统未保存举报人身份" in hidden.get_data(as_text=True)

    assert _reveal(other, named["case_id"], named["id"], "核实举报线索真实性").status_code == 404
    officer_page = officer.client.get("/console/").get_data(as_text=True)
    refused = officer.client.post(f"/console/reports/{named['id']}/identity",
                                  data={"reason": "核实举报线索真实性", "csrf_token": csrf_of(officer_page)})
    assert refused.status_code == 403
    town.act(named["case_id"], "city_sup", "accept")
    town.act(named["case_id"], "city_sup", "dispatch")
    unit_page = officer.client.get(f"/console/cases/{named['case_id']}")
    assert unit_page.status_code == 200  # the unit handles the case, and sees no way to the reporter
    assert "reveal-" not in unit_page.get_data(as_text=True) and "13800138000" not in unit_page.get_data(as_text=True)
    assert _reveals(app) == [(world.ids["county_sup"], named["id"], "核实举报线索真实性"),
                             (world.ids["county_sup"], anon["id"], "核实举报线索真实性")]


def test_zone_outlines_are_the_reference_zones_in_the_asked_coordinate_system(app, world, desk):
    from reporter.geo.models import ProtectionZone

    sup = desk("county_sup")
    wgs = sup.client.get("/console/map/outlines/zones.geojson").get_json()
    gcj = sup.client.get("/console/map/outlines/zones.geojson?coord_system=gcj02").get_json()
    with app_ctx(app) as session:
        zones = list(session.execute(select(ProtectionZone).order_by(ProtectionZone.level, ProtectionZone.code))
                     .scalars())
    assert zones, "the reference data has protection zones"
    assert [f["properties"]["code"] for f in wgs["features"]] == [z.code for z in zones]
    assert {f["properties"]["level_name"] for f in wgs["features"]} <= {"核心保护区", "重点保护区", "一般保护区"}
    assert gcj["coord_system"] == "gcj02" and gcj["features"][0]["geometry"] != wgs["features"][0]["geometry"]
    page = sup.client.get("/console/map").get_data(as_text=True)
    assert "data-zones-url" in page and "核心保护区" in page


def test_the_map_shows_a_months_patrol_coverage_as_the_api_does(app, client, world, desk):
    month = cst_date(utcnow()).strftime("%Y-%m")
    county, city, officer = desk("county_sup"), desk("city_sup"), desk("officer")
    page = county.client.get(f"/console/map?month={month}&status=submitted").get_data(as_text=True)
    assert 'data-coverage-url="/console/map/coverage.geojson?month=' + month in page
    assert 'name="status" value="submitted" checked' in page  # the month does not disturb the case filters
    ours = county.client.get(f"/console/map/coverage.geojson?month={month}").get_json()
    api = client.get(f"/api/v1/stats/map/coverage?month={month}", headers=world.h("county_sup")).get_json()
    assert ours == api and ours["features"]
    assert {f["properties"]["county_adcode"] for f in ours["features"]} == {"610923"}  # the county's own grids
    city_all = city.client.get(f"/console/map/coverage.geojson?month={month}").get_json()
    assert len(city_all["features"]) > len(ours["features"])
    assert county.client.get("/console/map/coverage.geojson?month=2026-13").status_code == 422
    assert "网格巡查覆盖" not in officer.client.get("/console/map").get_data(as_text=True)
    assert officer.client.get(f"/console/map/coverage.geojson?month={month}").status_code == 403
    bad = county.client.get("/console/map?month=yesterday").get_data(as_text=True)
    assert "月份格式应为 YYYY-MM" in bad and f'value="{month}"' in bad


def _tile(html: str, title: str) -> int:
    match = re.search(r'data-work="' + title + r'"><span class="count">(\d+)</span>', html)
    assert match, f"no tile {title}"
    return int(match.group(1))


def test_my_work_counts_rechecks_due_and_overdue_campaign_steps(app, world, desk):
    from reporter.registers import campaigns
    from tests.registers.helpers import register
    from tests.registers.test_rechecks import _closed

    first = _closed(world, source="audit", external_ref="审计-1")
    second = _closed(world, source="audit", external_ref="审计-2")
    today = cst_date(utcnow())
    for title, due in (("审计问题回头看", today - timedelta(days=1)),):
        resp = world.client.post("/api/v1/registers/rechecks", headers=world.h("county_sup"),
                                 json={"title": title, "source": "audit", "due_on": due.isoformat()})
        assert resp.status_code == 201, resp.get_json()
    register(world)
    resp = world.client.post("/api/v1/registers/campaigns", headers=world.h("city_sup"), json={
        "name": "农家乐整治", "kind": "farmstay", "starts_on": (today - timedelta(days=30)).isoformat(),
        "milestones": [{"step": "survey", "zone": None, "due_on": (today - timedelta(days=2)).isoformat()}]})
    assert resp.status_code == 201, resp.get_json()
    with app_ctx(app):
        assert len(campaigns.sweep_overdue()) == 1

    sup = desk("county_sup").client.get("/console/").get_data(as_text=True)
    assert (_tile(sup, "回头看待复核"), _tile(sup, "回头看已到期"), _tile(sup, "专项整治超期")) == (2, 2, 1)
    other = desk("other_county_sup").client.get("/console/").get_data(as_text=True)
    assert (_tile(other, "回头看待复核"), _tile(other, "专项整治超期")) == (0, 0)  # another county's work
    inspector = desk("inspector").client.get("/console/").get_data(as_text=True)
    assert _tile(inspector, "回头看待复核") == 2
    assert _tile(desk("other_inspector").client.get("/console/").get_data(as_text=True), "回头看待复核") == 0
    assert first != second


def test_a_stage_not_yet_started_shows_no_provisional_date(world, desk):
    from tests.console.conftest import drive

    sup = desk("county_sup")
    submitted = sup.client.get(f"/console/cases/{drive(world, 'submitted')}").get_data(as_text=True)
    rows = re.findall(r"<tr><td>(受理|签收|处置|核查)</td><td>([^<]*)</td>", submitted)
    assert [r[0] for r in rows] == ["受理", "签收", "处置", "核查"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", rows[0][1]) and [r[1] for r in rows[1:]] == ["未开始"] * 3
    handling = sup.client.get(f"/console/cases/{drive(world, 'in_progress')}").get_data(as_text=True)
    rows = dict(re.findall(r"<tr><td>(受理|签收|处置|核查)</td><td>([^<]*)</td>", handling))
    assert rows["核查"] == "未开始" and re.fullmatch(r"\d{4}-\d\d-\d\d", rows["处置"])
