"""回头看: a supervisor schedules a re-check of closed problems (all of a source, or a sample); the grid's inspector
confirms on site or the case reopens; the register shows the result."""
from reporter.accounts.models import User
from reporter.cases import services
from tests.conftest import app_ctx


def _closed(world, **kwargs) -> int:
    case_id = world.open(**kwargs)
    photo = world.upload("officer")
    with app_ctx(world.app) as session:
        for who, action, payload in [
                ("city_sup", "accept", {}), ("city_sup", "dispatch", {}), ("officer", "sign", {}),
                ("officer", "submit_result", {"finding": "true", "measures": "拆除", "photo_ids": [photo]}),
                ("inspector", "verify", {"result": "pass"}), ("city_sup", "close", {})]:
            services.perform(case_id, action, session.get(User, world.ids[who]), payload, expected_version=None)
    return case_id


def test_a_recheck_of_audit_findings_confirms_one_and_reopens_the_other(world):
    first = _closed(world, source="audit", external_ref="审计-1")
    second = _closed(world, source="audit", external_ref="审计-2")
    other_source = _closed(world)
    scheduled = world.client.post("/api/v1/registers/rechecks", headers=world.h("county_sup"),
                                  json={"title": "审计问题整改回头看", "source": "audit", "due_on": "2030-10-31"})
    assert scheduled.status_code == 201, scheduled.get_json()
    batch = scheduled.get_json()
    assert sorted(i["case_id"] for i in batch["items"]) == [first, second]
    assert other_source not in [i["case_id"] for i in batch["items"]]
    again = world.client.post("/api/v1/registers/rechecks", headers=world.h("county_sup"),
                              json={"title": "再看一次", "source": "audit", "due_on": "2030-10-31"})
    assert again.status_code == 409  # both are already waiting for their re-check

    tasks = world.client.get("/api/v1/registers/rechecks/tasks", headers=world.h("inspector")).get_json()
    assert sorted(t["case_id"] for t in tasks["items"]) == [first, second]
    assert world.client.get("/api/v1/registers/rechecks/tasks", headers=world.h("other_inspector")
                            ).get_json()["total"] == 0
    items = {i["case_id"]: i["id"] for i in batch["items"]}
    assert world.client.post(f"/api/v1/registers/rechecks/items/{items[first]}", json={"result": "confirmed"},
                             headers=world.h("other_inspector")).status_code == 404
    photo = world.upload("inspector")
    ok = world.client.post(f"/api/v1/registers/rechecks/items/{items[first]}", headers=world.h("inspector"),
                           json={"result": "confirmed", "note": "现场复核，已拆除", "photo_ids": [photo]})
    assert ok.status_code == 200 and ok.get_json()["status"] == "confirmed"
    failed = world.client.post(f"/api/v1/registers/rechecks/items/{items[second]}", headers=world.h("inspector"),
                               json={"result": "failed", "note": "违建又搭起来了"})
    assert failed.status_code == 200
    assert world.client.post(f"/api/v1/registers/rechecks/items/{items[second]}", headers=world.h("inspector"),
                             json={"result": "confirmed"}).status_code == 409
    reopened = world.get(second).get_json()
    assert reopened["state"] == "in_progress"
    event = reopened["events"][-1]
    assert (event["action"], event["actor_id"]) == ("reopen", world.county_sup)
    assert f"checked by user {world.inspector}" in event["internal_comment"]
    assert world.get(first).get_json()["state"] == "closed"

    rows = {r["case_id"]: r for r in world.client.get("/api/v1/registers/problems", headers=world.h("city_sup"),
                                                      query_string={"source": "audit"}).get_json()["items"]}
    assert (rows[first]["recheck"], rows[first]["recheck_name"], rows[first]["closed_off"]) == (
        "confirmed", "回头看整改到位", True)
    assert (rows[second]["recheck"], rows[second]["progress"], rows[second]["closed_off"]) == (
        "failed", "整改中", False)


def test_a_sample_is_drawn_from_the_callers_scope(world):
    ids = [_closed(world, source="central_inspection", external_ref=f"督察-{n}") for n in range(5)]
    resp = world.client.post("/api/v1/registers/rechecks", headers=world.h("city_sup"),
                             json={"title": "抽查", "source": "central_inspection", "sample": 2,
                                   "due_on": "2030-12-31"})
    assert resp.status_code == 201
    body = resp.get_json()
    assert len(body["items"]) == 2 and {i["case_id"] for i in body["items"]} <= set(ids)
    assert body["seed"] is not None and body["sample_size"] == 2
    none = world.client.post("/api/v1/registers/rechecks", headers=world.h("other_county_sup"),
                             json={"title": "汉滨", "source": "central_inspection", "due_on": "2030-12-31"})
    assert none.status_code == 409  # 汉滨 has no closed problems of that source
    assert world.client.post("/api/v1/registers/rechecks", headers=world.h("inspector"),
                             json={"title": "x", "due_on": "2030-12-31"}).status_code == 403


def test_a_failed_finding_reopens_the_case_when_the_scheduler_has_left(world):
    """The supervisor who scheduled the 回头看 was disabled before the inspector got there: the finding is still
    recorded and the case reopened, by a supervisor who may (here the city's office; the county's own is gone)."""
    case_id = _closed(world, source="audit", external_ref="审计-9")
    batch = world.client.post("/api/v1/registers/rechecks", headers=world.h("county_sup"),
                              json={"title": "离任后的回头看", "source": "audit", "due_on": "2030-10-31"}).get_json()
    [item] = batch["items"]
    with app_ctx(world.app) as session:
        session.get(User, world.county_sup).is_active = False
        session.commit()
    failed = world.client.post(f"/api/v1/registers/rechecks/items/{item['id']}", headers=world.h("inspector"),
                               json={"result": "failed", "note": "仍未拆除"})
    assert failed.status_code == 200, failed.get_json()
    reopened = world.get(case_id).get_json()
    assert reopened["state"] == "in_progress"
    assert (reopened["events"][-1]["action"], reopened["events"][-1]["actor_id"]) == ("reopen", world.city_sup)


def test_a_supervisor_recording_a_failed_finding_reopens_the_case_themselves(world):
    case_id = _closed(world, source="audit", external_ref="审计-10")
    batch = world.client.post("/api/v1/registers/rechecks", headers=world.h("county_sup"),
                              json={"title": "市级复核", "source": "audit", "due_on": "2030-10-31"}).get_json()
    [item] = batch["items"]
    failed = world.client.post(f"/api/v1/registers/rechecks/items/{item['id']}", headers=world.h("city_sup"),
                               json={"result": "failed"})
    assert failed.status_code == 200, failed.get_json()
    assert world.get(case_id).get_json()["events"][-1]["actor_id"] == world.city_sup
