"""Check-ins, observations that open cases, and on-site verification tasks from the patrol."""
import threading
import uuid

import pytest
from sqlalchemy import select

from reporter.cases.models import Case
from reporter.extensions import db
from reporter.media.models import Upload
from tests.cases.conftest import NINGSHAN, RESULT_FALSE, world  # noqa: F401  (the cases' world of people)
from tests.conftest import app_ctx
from tests.patrols.conftest import PatrolApp, iso, morning


@pytest.fixture()
def patrol(world, grid) -> PatrolApp:  # noqa: F811
    phone = PatrolApp(world.client, world.h("inspector"))
    assert phone.create(world.grid_id, morning(days_ago=0) - 86400).status_code == 201
    return phone


def observation(**extra) -> dict:
    return {"id": str(uuid.uuid4()), "t": iso(morning(days_ago=0) - 86400 + 600),
            "location": {"lat": NINGSHAN[0], "lng": NINGSHAN[1], "address": "宁陕县城关镇河边"},
            "note": "河道内有人非法采砂", **extra}


def patrol_cases(app) -> list[Case]:
    with app_ctx(app) as session:
        cases = list(session.execute(select(Case).where(Case.source == "patrol")).scalars())
        session.expunge_all()
        return cases


def test_a_problem_observation_opens_one_routed_accepted_case_with_its_photos(world, patrol, app):  # noqa: F811
    photo = world.upload("inspector", purpose="patrol")
    body = observation(problem=True, category="illegal_logging", photo_ids=[photo])
    first = patrol.post("/observations", body)
    assert first.status_code == 201, first.get_json()
    case_id = first.get_json()["case_id"]
    assert case_id is not None
    again = patrol.post("/observations", body)
    assert again.status_code == 200 and again.get_json()["case_id"] == case_id
    [case] = patrol_cases(app)
    assert (case.id, case.state, case.category) == (case_id, "accepted", "illegal_logging")
    assert case.routed_unit_id == world.unit["610923.forestry"] and case.grid_id == world.grid_id
    with app_ctx(app) as session:
        upload = session.get(Upload, photo)
        assert (upload.attached_type, upload.attached_id) == ("case", str(case_id))
    detail = world.get(case_id).get_json()
    assert detail["source"] == "patrol"
    changed = patrol.post("/observations", {**body, "category": "river_sand"})
    assert changed.status_code == 409


def test_a_plain_observation_keeps_its_photos_visible_to_supervisors_only(world, patrol, client, users):  # noqa: F811
    photo = world.upload("inspector", purpose="patrol")
    resp = patrol.post("/observations", observation(photo_ids=[photo], note="巡查正常"))
    assert resp.status_code == 201 and resp.get_json()["case_id"] is None
    assert client.get(f"/api/v1/uploads/{photo}", headers=world.h("city_sup")).status_code == 200
    assert client.get(f"/api/v1/uploads/{photo}", headers=world.h("other_inspector")).status_code == 404
    report_photo = world.upload("inspector", purpose="report")
    refused = patrol.post("/observations", observation(photo_ids=[report_photo]))
    assert refused.status_code == 422 and "photo_ids" in refused.get_json()["errors"]["json"]


def test_a_problem_needs_a_known_category_and_writes_nothing_otherwise(world, patrol, app):  # noqa: F811
    assert patrol.post("/observations", observation(problem=True)).status_code == 422
    resp = patrol.post("/observations", observation(problem=True, category="no_such_thing"))
    assert resp.status_code == 422 and "category" in resp.get_json()["errors"]["json"]
    assert patrol_cases(app) == []


def test_checkins_are_idempotent_by_client_id(world, patrol):  # noqa: F811
    body = {"id": str(uuid.uuid4()), "t": iso(morning(days_ago=0) - 86400 + 60), "checkpoint": "三号监测点",
            "location": {"lat": NINGSHAN[0], "lng": NINGSHAN[1], "accuracy_m": 6}}
    first = patrol.post("/checkins", body)
    assert first.status_code == 201 and first.get_json()["checkpoint"] == "三号监测点"
    assert patrol.post("/checkins", body).status_code == 200
    assert patrol.post("/checkins", {**body, "t": iso(morning(days_ago=0) - 86400 + 90)}).status_code == 409
    stranger = PatrolApp(world.client, world.h("other_inspector"), patrol.patrol_id)
    assert stranger.post("/checkins", {**body, "id": str(uuid.uuid4())}).status_code == 403


def test_the_inspector_sees_and_verifies_tasks_from_the_patrol(world, patrol, app):  # noqa: F811
    opened = patrol.post("/observations", observation(problem=True, category="illegal_logging")).get_json()
    case_id = opened["case_id"]
    world.do(case_id, "city_sup", "dispatch")
    world.do(case_id, "officer", "sign")
    world.do(case_id, "officer", "submit_result", **RESULT_FALSE)
    tasks = patrol.get("/tasks").get_json()
    assert [t["id"] for t in tasks["items"]] == [case_id]
    stale = patrol.post(f"/tasks/{case_id}/verify", {"result": "pass", "version": 1})
    assert stale.status_code == 412
    done = patrol.post(f"/tasks/{case_id}/verify", {"result": "pass", "public_comment": "现场核查属实已整改"})
    assert done.status_code == 200 and done.get_json()["state"] == "verified"
    assert patrol.get("/tasks").get_json()["items"] == []
    assert world.case(case_id).state == "verified"


@pytest.mark.postgres
def test_the_same_observation_sent_twice_at_once_opens_one_case(world, patrol, app):  # noqa: F811
    with app_ctx(app) as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("a real race needs PostgreSQL")
    body = observation(problem=True, category="illegal_logging")
    barrier, statuses = threading.Barrier(2), []

    def send():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(f"/api/v1/patrols/{patrol.patrol_id}/observations", json=body,
                                    headers=patrol.headers).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 201]
    assert len(patrol_cases(app)) == 1
    with app.app_context():
        db.session.remove()
