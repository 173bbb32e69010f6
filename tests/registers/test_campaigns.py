"""Campaign steps over HTTP (order, people, evidence), the overdue sweep and 督办, patrol check-ins as 排查, undercover
checks and their coverage, and the bulletin's campaign and 暗访 sheets."""
import io
import uuid
from datetime import UTC, date, datetime, timedelta

from openpyxl import load_workbook

from reporter.registers.models import SiteCase
from tests.cases.conftest import NINGSHAN, drive
from tests.conftest import app_ctx
from tests.registers.helpers import register

TODAY = date.today()


def _campaign(world, **changes) -> int:
    body = {"name": "农家乐整治", "kind": "farmstay", "starts_on": (TODAY - timedelta(days=30)).isoformat(),
            "milestones": [{"step": "survey", "zone": None, "due_on": (TODAY - timedelta(days=2)).isoformat()}],
            **changes}
    resp = world.client.post("/api/v1/registers/campaigns", json=body, headers=world.h("city_sup"))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def _step(world, campaign_id, site_id, step, who, **data):
    return world.client.post(f"/api/v1/registers/campaigns/{campaign_id}/sites/{site_id}/steps/{step}", json=data,
                             headers=world.h(who))


def _lead_officer(world, users, site):
    detail = world.client.get(f"/api/v1/registers/sites/{site['id']}", headers=world.h("city_sup")).get_json()
    unit = next(u for u in detail["units"] if u["relation"] == "lead")
    world.ids["lead_officer"] = users.make("officer", unit_code=unit["code"])
    world.ids["lead_officer_2"] = users.make("officer", unit_code=unit["code"])


def test_steps_go_in_order_by_the_right_people_with_their_evidence(world, users):
    site = register(world).get_json()
    _lead_officer(world, users, site)
    campaign_id = _campaign(world)
    assert _step(world, campaign_id, site["id"], "rectify", "county_sup", measures="拆除", deadline=TODAY.isoformat()
                 ).status_code == 409  # 整改 before 排查
    assert _step(world, campaign_id, site["id"], "survey", "other_officer").status_code == 404  # not their site
    assert _step(world, campaign_id, site["id"], "survey", "inspector").status_code == 201  # the grid's inspector
    assert _step(world, campaign_id, site["id"], "survey", "county_sup").status_code == 409  # once
    assert _step(world, campaign_id, site["id"], "rectify", "lead_officer", measures="拆除平台").status_code == 422
    rectified = _step(world, campaign_id, site["id"], "rectify", "lead_officer", measures="拆除平台",
                      deadline=(TODAY + timedelta(days=10)).isoformat())
    assert rectified.status_code == 201, rectified.get_json()
    assert _step(world, campaign_id, site["id"], "accept", "county_sup").status_code == 422  # no photo
    photo = world.upload("lead_officer_2")
    assert _step(world, campaign_id, site["id"], "accept", "lead_officer_2", photo_ids=[photo]
                 ).status_code == 403  # not the rectifying unit, and officers do not accept
    photo = world.upload("inspector")
    accepted = _step(world, campaign_id, site["id"], "accept", "inspector", photo_ids=[photo], note="现场验收合格")
    assert accepted.status_code == 201, accepted.get_json()

    case_id = drive(world, "submitted", category="farmstay")
    with app_ctx(world.app) as session:
        session.add(SiteCase(site_id=site["id"], case_id=case_id, distance_m=0))
        session.commit()
    refused = _step(world, campaign_id, site["id"], "close", "county_sup")
    assert refused.status_code == 409 and refused.get_json()["error"] == "open_cases"
    world.do(case_id, "city_sup", "reject", reason_code="insufficient")
    assert _step(world, campaign_id, site["id"], "close", "county_sup").status_code == 201
    steps = world.client.get(f"/api/v1/registers/campaigns/{campaign_id}/sites/{site['id']}/steps",
                             headers=world.h("county_sup")).get_json()
    assert [(s["step"], s["actor_role"]) for s in steps] == [
        ("survey", "inspector"), ("rectify", "officer"), ("accept", "inspector"), ("close", "supervisor")]
    assert steps[2]["photo_ids"] == [photo]
    got = world.client.get(f"/api/v1/uploads/{photo}", headers=world.h("county_sup"))
    assert got.status_code == 200  # the acceptance photo is seen by whoever sees the site


def test_a_county_runs_campaigns_in_its_own_county_only(world):
    body = {"name": "宁陕排污口排查", "kind": "sewage_outfall", "starts_on": "2022-04-14"}
    assert world.client.post("/api/v1/registers/campaigns", json=body, headers=world.h("county_sup")
                             ).status_code == 403
    own = world.client.post("/api/v1/registers/campaigns", json={**body, "counties": ["610923"]},
                            headers=world.h("county_sup"))
    assert own.status_code == 201
    assert world.client.post("/api/v1/registers/campaigns", json=body, headers=world.h("officer")).status_code == 403


def test_overdue_steps_are_raised_once_and_supervised(world, app):
    from reporter.registers import campaigns

    site = register(world).get_json()
    campaign_id = _campaign(world)
    with app_ctx(app):
        first = campaigns.sweep_overdue()
        assert len(first) == 1 and campaigns.sweep_overdue() == []  # 排查 was due two days ago; raised once
    listed = world.client.get(f"/api/v1/registers/campaigns/{campaign_id}/overdue", headers=world.h("county_sup"))
    row = listed.get_json()["items"][0]
    assert (row["site_id"], row["step"], row["due_on"]) == (site["id"], "survey",
                                                            (TODAY - timedelta(days=2)).isoformat())
    assert world.county_sup in row["raised_to"]
    assert world.client.get(f"/api/v1/registers/campaigns/{campaign_id}/overdue",
                            headers=world.h("other_county_sup")).get_json()["total"] == 0
    path = f"/api/v1/registers/campaigns/{campaign_id}/overdue/{row['id']}/supervise"
    due = (TODAY + timedelta(days=5)).isoformat()
    assert world.client.post(path, json={"level": "city", "due": due}, headers=world.h("county_sup")).status_code == 403
    done = world.client.post(path, json={"level": "county", "due": due}, headers=world.h("county_sup"))
    assert done.status_code == 200 and done.get_json()["supervision_level"] == "county"
    assert world.client.post(path, json={"level": "county", "due": due}, headers=world.h("city_sup")).status_code == 409
    progress = world.client.get(f"/api/v1/registers/campaigns/{campaign_id}/progress", headers=world.h("city_sup"))
    assert progress.get_json()["totals"]["overdue"] == 1


def test_patrol_check_ins_count_as_survey_when_the_campaign_says_so(world, app):
    from reporter.registers import campaigns

    site = register(world).get_json()
    counting = _campaign(world, name="巡查即排查", checkins_count_as_survey=True)
    not_counting = _campaign(world, name="人工排查")
    patrol_id = str(uuid.uuid4())
    started = datetime.now(UTC) - timedelta(hours=1)
    assert world.client.post("/api/v1/patrols", json={"id": patrol_id, "grid_id": world.grid_id,
                                                      "started_at": started.isoformat()},
                             headers=world.h("inspector")).status_code == 201
    checkin = {"id": str(uuid.uuid4()), "t": (started + timedelta(minutes=20)).isoformat(),
               "location": {"lat": NINGSHAN[0] + 0.0005, "lng": NINGSHAN[1]}}
    assert world.client.post(f"/api/v1/patrols/{patrol_id}/checkins", json=checkin,
                             headers=world.h("inspector")).status_code == 201
    with app_ctx(app):
        assert campaigns.surveys_from_checkins() == 1
        assert campaigns.surveys_from_checkins() == 0
    steps = world.client.get(f"/api/v1/registers/campaigns/{counting}/sites/{site['id']}/steps",
                             headers=world.h("county_sup")).get_json()
    assert [(s["step"], s["source"], s["actor_id"]) for s in steps] == [
        ("survey", "patrol_checkin", world.inspector)]
    assert world.client.get(f"/api/v1/registers/campaigns/{not_counting}/sites/{site['id']}/steps",
                            headers=world.h("county_sup")).get_json() == []


def test_undercover_checks_cover_the_qinling_counties_and_the_bulletin_shows_it(world):
    for county, day in (("610923", "2022-05-10"), ("610923", "2022-05-20"), ("610902", "2022-05-12")):
        resp = world.client.post("/api/v1/registers/undercover-checks", headers=world.h("city_sup"),
                                 json={"county_adcode": county, "checked_on": day, "team": "市秦岭办暗访组",
                                       "places": 3, "problems_found": 1})
        assert resp.status_code == 201, resp.get_json()
    assert world.client.post("/api/v1/registers/undercover-checks", headers=world.h("county_sup"),
                             json={"county_adcode": "610902", "checked_on": "2022-05-01"}).status_code == 403
    coverage = world.client.get("/api/v1/registers/undercover-checks/coverage", headers=world.h("city_sup"),
                                query_string={"since": "2022-05-01", "until": "2022-05-31"}).get_json()
    rows = {r["adcode"]: r for r in coverage["counties"]}
    assert set(rows) == {"610902", "610921", "610922", "610923", "610928"}  # the five Qinling counties
    assert (rows["610923"]["checks"], rows["610923"]["places"], rows["610921"]["covered"]) == (2, 6, False)
    assert (coverage["covered"], coverage["of"], coverage["all_covered"]) == (2, 5, False)

    export = world.client.get("/api/v1/stats/monthly.xlsx", headers=world.h("city_sup"),
                              query_string={"month": "2022-05"})
    assert export.status_code == 200, export.get_data(as_text=True)[:300]
    book = load_workbook(io.BytesIO(export.data))
    assert {"专项整治", "暗访"} <= set(book.sheetnames)
    sheet = list(book["暗访"].iter_rows(values_only=True))
    assert sheet[1] == ("区县代码", "区县", "暗访次数", "暗访点位", "发现问题", "已覆盖")
    assert ("610923", "宁陕县", 2, 6, 2, "是") in sheet


def test_the_document_says_which_keys_a_target_takes(client):
    """A target's `where`/`of` take the kind's field keys: the document says so (the fuzz suite's sequences sent
    other keys as valid data, and got 422)."""
    target = client.get("/api/openapi.json").get_json()["components"]["schemas"]["TargetIn"]
    for name in ("where", "of"):
        assert target["properties"][name]["propertyNames"] == {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,31}$"}
