"""Who sees which cases, the list filters and orders, staff entry, re-dispatch, and inspectors' tasks."""
from datetime import UTC, datetime, timedelta

from reporter.accounts.models import User
from reporter.cases import services
from reporter.cases.schemas import CaseListArgs, CasePage, case_item
from reporter.common.pagination import paginate
from reporter.common.timeutil import cst_date, utcnow
from tests.api.test_frame import assert_error
from tests.cases.conftest import HANBIN, NINGSHAN, STAFF_ENTRY, drive
from tests.conftest import app_ctx


def ids(resp) -> list[int]:
    assert resp.status_code == 200, resp.get_json()
    return [c["id"] for c in resp.get_json()["items"]]


def listing(world, who, **query):
    return world.client.get("/api/v1/cases", headers=world.h(who), query_string=query)


def test_each_role_lists_its_own_scope(world):
    ningshan = drive(world, "dispatched")
    hanbin = drive(world, "dispatched", where=HANBIN, officer="other_officer")
    fishing = drive(world, "dispatched", category="illegal_fishing")  # led by the city agriculture bureau
    everything = sorted([ningshan, hanbin, fishing])
    for who in ("city_sup", "auditor"):
        assert sorted(ids(listing(world, who))) == everything
    assert sorted(ids(listing(world, "county_sup"))) == sorted([ningshan, fishing])
    assert ids(listing(world, "other_county_sup")) == [hanbin]
    assert ids(listing(world, "officer")) == [ningshan]
    assert ids(listing(world, "other_officer")) == [hanbin]  # 汉滨区林业局
    assert ningshan in ids(listing(world, "city_officer"))  # the city bureau over a county bureau: reads
    assert ids(listing(world, "inspector")) == sorted([ningshan, fishing], reverse=True)
    assert_error(listing(world, "admin"), 403, "forbidden")


def test_filters_sorts_and_pages(world):
    old = world.open(at=datetime(2025, 9, 1, 2, tzinfo=UTC), description="山坡上有大片树木被砍", address="筒车湾镇")
    new = world.open(source="undercover")
    fishing = world.open(category="illegal_fishing", state="accepted", source="patrol", by="inspector")
    world.do(new, "city_sup", "accept")
    world.do(new, "city_sup", "dispatch")
    world.do(new, "city_sup", "supervise", level="city", due=(datetime.now(UTC) + timedelta(days=9)).date(),
             reason="典型案件")
    unit = world.unit["610923.forestry"]
    assert ids(listing(world, "city_sup", status="submitted")) == [old]
    assert ids(listing(world, "city_sup", status="submitted,accepted")) == [fishing, old]
    assert ids(listing(world, "city_sup", county="610923")) == [fishing, new, old]
    assert ids(listing(world, "city_sup", county="610902")) == []
    assert ids(listing(world, "city_sup", unit=str(unit))) == [new]
    assert ids(listing(world, "city_sup", unit="610923.forestry")) == [new]
    assert ids(listing(world, "city_sup", unit="no.such.unit")) == []
    assert ids(listing(world, "officer", unit=str(unit))) == [new]
    assert ids(listing(world, "other_officer", unit=str(unit))) == []  # the filter never widens a scope
    assert ids(listing(world, "city_sup", category="illegal_fishing")) == [fishing]
    assert ids(listing(world, "city_sup", source="patrol")) == [fishing]
    assert ids(listing(world, "city_sup", supervised="true")) == [new]
    assert ids(listing(world, "city_sup", supervised="city")) == [new]
    assert ids(listing(world, "city_sup", supervised="county")) == []
    assert sorted(ids(listing(world, "city_sup", supervised="false"))) == sorted([old, fishing])
    assert ids(listing(world, "city_sup", overdue="true")) == [old]
    assert ids(listing(world, "city_sup", q="筒车湾")) == [old]
    assert ids(listing(world, "city_sup", q="大片树木")) == [old]
    assert ids(listing(world, "city_sup", q="100%_")) == []
    number = world.get(new).get_json()["number"]
    assert ids(listing(world, "city_sup", q=number)) == [new]
    assert ids(listing(world, "city_sup", sort="age")) == [old, new, fishing]
    assert ids(listing(world, "city_sup")) == [fishing, new, old]  # newest first
    assert ids(listing(world, "city_sup", sort="deadline"))[0] == old
    page = listing(world, "city_sup", page=2, page_size=2).get_json()
    assert (page["total"], page["page"], page["page_size"], [c["id"] for c in page["items"]]) == (3, 2, 2, [old])
    assert_error(listing(world, "city_sup", status="lost"), 422, "validation_failed")
    assert_error(listing(world, "city_sup", page_size=101), 422, "validation_failed")
    item = listing(world, "city_sup", coord_system="gcj02", q=number).get_json()["items"][0]
    assert item["location"]["coord_system"] == "gcj02" and item["location"]["lat"] != NINGSHAN[0]


def test_staff_entry_rules(world):
    body = dict(STAFF_ENTRY, location={"lat": 33.0, "lng": 107.0, "coord_system": "gcj02"})
    assert_error(world.client.post("/api/v1/cases", json=body, headers=world.h("city_sup")), 422)  # outside Ankang
    patrol = dict(STAFF_ENTRY, source="patrol")
    assert_error(world.client.post("/api/v1/cases", json=patrol, headers=world.h("city_sup")), 422)
    elsewhere = dict(STAFF_ENTRY, location={"lat": HANBIN[0], "lng": HANBIN[1]})
    assert_error(world.client.post("/api/v1/cases", json=elsewhere, headers=world.h("county_sup")), 403)
    assert_error(world.client.post("/api/v1/cases", json=STAFF_ENTRY, headers=world.h("officer")), 403)
    listed = listing(world, "city_sup").get_json()
    assert listed["total"] == 0
    photo = world.upload("county_sup", purpose="report")
    resp = world.client.post("/api/v1/cases", json=dict(STAFF_ENTRY, photo_ids=[photo], source="superior"),
                             headers=world.h("county_sup"))
    assert resp.status_code == 201
    assert [p["id"] for p in resp.get_json()["photos"]] == [photo]
    officer_view = world.get(resp.get_json()["id"], "officer").get_json()
    photo_url = officer_view["photos"][0]["url"]
    assert world.client.get(photo_url).status_code == 200


def test_return_and_redispatch_to_another_unit_records_the_reasons(world):
    case_id = drive(world, "dispatched")
    resp = world.act(case_id, "officer", "return", reason="该地块属水利部门管理的河道")
    assert resp.status_code == 200 and resp.get_json()["state"] == "accepted"
    assert resp.get_json()["current_unit_id"] is None and resp.get_json()["return_count"] == 1
    water = world.unit["610923.water"]
    no_reason = world.act(case_id, "city_sup", "dispatch", unit_id=water)
    assert "override_reason" in assert_error(no_reason, 422)["errors"]["json"]
    unknown = world.act(case_id, "city_sup", "dispatch", unit_id=999999, override_reason="x")
    assert "unit_id" in assert_error(unknown, 422)["errors"]["json"]
    resp = world.act(case_id, "city_sup", "dispatch", unit_id=water, override_reason="河道采砂归水利局")
    body = resp.get_json()
    assert body["state"] == "dispatched" and body["current_unit_id"] == water
    assert body["routed_unit_id"] == world.unit["610923.forestry"]
    returned, redispatched = body["events"][-2:]
    assert returned["data"] == {"unit_id": world.unit["610923.forestry"], "reason": "该地块属水利部门管理的河道"}
    assert redispatched["data"]["override"] is True and redispatched["data"]["override_reason"] == "河道采砂归水利局"
    assert redispatched["data"]["routed_unit_id"] == world.unit["610923.forestry"]
    assert_error(world.act(case_id, "officer", "sign"), 403, "forbidden")  # the first unit still reads, no more
    assert world.act(case_id, "water_officer", "sign").get_json()["state"] == "in_progress"
    assert case_id in ids(listing(world, "water_officer"))


def test_supervision_levels_and_hand_over(world):
    case_id = drive(world, "in_progress")
    due = (datetime.now(UTC) + timedelta(days=20)).date().isoformat()
    county_city = world.act(case_id, "county_sup", "supervise", level="city", due=due, reason="重大")
    assert_error(county_city, 403, "forbidden")
    past = world.act(case_id, "city_sup", "supervise", level="city", due="2020-01-01", reason="重大")
    assert_error(past, 422)
    resp = world.act(case_id, "city_sup", "supervise", level="city", due=due, reason="挂牌督办")
    assert resp.get_json()["supervision_level"] == "city" and resp.get_json()["supervision_due"] == due
    resp = world.act(case_id, "county_sup", "hand_over", to="discipline", reason="涉嫌失职渎职")
    body = resp.get_json()
    assert body["handed_over_to"] == "discipline" and body["state"] == "in_progress"
    assert body["events"][-1]["data"] == {"to": "discipline", "reason": "涉嫌失职渎职"}
    assert_error(world.act(case_id, "county_sup", "hand_over", to="army", reason="x"), 422)


def test_inspectors_get_the_cases_to_verify_in_their_grids(world):
    waiting = drive(world, "pending_verification")
    drive(world, "in_progress")
    elsewhere = drive(world, "pending_verification", where=HANBIN, officer="other_officer")
    resp = world.client.get("/api/v1/tasks", headers=world.h("inspector"))
    assert resp.status_code == 200
    tasks = resp.get_json()["items"]
    assert [t["id"] for t in tasks] == [waiting]
    task = tasks[0]
    assert task["location"]["lat"] == round(NINGSHAN[0], 7) and task["grid_id"] == world.grid_id
    assert task["verify_due"] and task["finding"] == "false" and task["etag"] == f'"case-{waiting}-v5"'
    other = world.client.get("/api/v1/tasks", headers=world.h("other_inspector")).get_json()["items"]
    assert [t["id"] for t in other] == [elsewhere]
    assert_error(world.client.get("/api/v1/tasks", headers=world.h("officer")), 403, "forbidden")
    verify = world.client.post(f"/api/v1/cases/{waiting}/actions", json={"action": "verify", "result": "pass"},
                               headers={**world.h("inspector"), "If-Match": task["etag"]})
    assert verify.status_code == 200 and verify.get_json()["state"] == "verified"
    assert world.client.get("/api/v1/tasks", headers=world.h("inspector")).get_json()["items"] == []


def test_work_list_filters_returned_reworked_and_pending_extension(world):
    def ids(**query):
        resp = world.client.get("/api/v1/cases", headers=world.h("city_sup"), query_string=query)
        assert resp.status_code == 200, resp.get_json()
        return {item["id"] for item in resp.get_json()["items"]}

    returned = drive(world, "dispatched")
    world.do(returned, "officer", "return", reason="不属于本单位")
    reworked = drive(world, "pending_verification")
    world.do(reworked, "inspector", "verify", result="fail", reason="现场仍有砍伐痕迹")
    extended = drive(world, "in_progress")
    world.do(extended, "officer", "request_extension", days=3, reason="需联合执法")
    plain = drive(world, "accepted")
    assert ids(status="accepted", returned="true") == {returned}
    assert ids(status="accepted", returned="false") == {plain}
    assert ids(reworked="true") == {reworked}
    assert ids(extension="pending") == {extended}


def test_the_list_body_is_byte_for_byte_its_schemas_dump_with_the_count_on_every_page(world):
    """The list is counted with its page and dumped lean; the body is exactly what marshmallow makes of CasePage
    from the same page counted on its own, for every kind of value (null, dates, supervision, gcj02), on a page
    past the end (the count asked on its own), and on an empty first page."""
    cases = [drive(world, state) for state in ("submitted", "dispatched", "in_progress", "closed")]
    world.do(cases[1], "city_sup", "supervise", level="city", due=(datetime.now(UTC) + timedelta(days=9)).date(),
             reason="典型案件")
    for who, query in (("city_sup", {}), ("city_sup", {"coord_system": "gcj02", "page_size": "2", "page": "2"}),
                       ("officer", {"status": "in_progress"}), ("city_sup", {"page": "9"}),
                       ("city_sup", {"status": "verified"}), ("officer", {"unit": "610923.forestry"})):
        resp = listing(world, who, **query)
        assert resp.status_code == 200, resp.get_json()
        with app_ctx(world.app) as session:
            args = CaseListArgs().load(query)
            page = paginate(services.list_cases(session.get(User, world.ids[who]), args), args["page"],
                            args["page_size"])
            today = cst_date(utcnow())
            page["items"] = [case_item(case, args["coord_system"], today) for case in page["items"]]
            expected = world.app.json.response(CasePage().dump(page)).get_data(as_text=True)  # as flask-smorest
        assert resp.get_data(as_text=True) == expected, query
    assert listing(world, "city_sup", page="9").get_json()["total"] == len(cases)
    assert listing(world, "city_sup", status="verified").get_json() == {"items": [], "total": 0, "page": 1,
                                                                        "page_size": 20}
