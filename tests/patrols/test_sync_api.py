"""Offline-first sync through HTTP: a day's track in shuffled, repeated batches; nothing lost, nothing doubled."""
import random
import uuid

import pytest
from sqlalchemy import func, select

from reporter.patrols.models import TrackPoint
from tests.conftest import app_ctx
from tests.patrols.conftest import PatrolApp, expected_figures, iso, morning, wire_point
from tests.patrols.tracks import generate


def shuffled_batches(fixes: list[dict], size: int, seed: int = 3) -> list[list[dict]]:
    order = list(fixes)
    random.Random(seed).shuffle(order)
    return [order[i:i + size] for i in range(0, len(order), size)]


def stored_points(app, patrol_id: str) -> int:
    with app_ctx(app) as session:
        return session.execute(select(func.count()).select_from(TrackPoint)
                               .where(TrackPoint.patrol_id == patrol_id)).scalar_one()


def test_patrol_creation_is_idempotent_by_client_id(phone, grid, client, users, app):
    t0 = morning()
    first = phone.create(grid.id, t0)
    assert first.status_code == 201, first.get_json()
    again = phone.create(grid.id, t0)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert phone.create(grid.id, t0 + 60).status_code == 409
    stranger = PatrolApp(client, users.headers(users.make("inspector")), phone.patrol_id)
    assert stranger.create(grid.id, t0).status_code == 403


def test_only_assigned_grids_and_no_future_starts(phone, client, users, grid, app):
    from reporter.geo.services import locate

    with app_ctx(app):
        elsewhere = locate(32.90, 108.90).grid_id  # a grid of 汉滨区, not assigned to this inspector
    resp = phone.create(elsewhere, morning())
    assert resp.status_code == 403 and resp.get_json()["error"] == "grid_not_assigned"
    assert phone.create(10 ** 9, morning()).status_code == 422
    assert phone.create(grid.id, morning(days_ago=-2)).status_code == 422


def test_a_day_synced_out_of_order_with_repeats_gives_the_figures_computed_independently(phone, grid, app):
    t0 = morning()
    fixes = generate(*grid.centre, t0)
    early = [{**fixes[0], "t": t0 - 600 + 5 * i, "phase": "early"} for i in range(3)]  # before the start
    assert phone.create(grid.id, t0).status_code == 201
    batches = shuffled_batches(fixes + early, 250)
    sent = accepted = duplicates = 0
    for batch in batches + [batches[1], batches[4][:40] + batches[5][:40]]:
        body = phone.points(batch).get_json()
        sent += len(batch)
        accepted, duplicates = accepted + body["accepted"], duplicates + body["duplicates"]
    unique = len(fixes) + len(early)
    assert (accepted, duplicates, sent) == (unique, sent - unique, sent)
    assert body["total_points"] == unique == stored_points(app, phone.patrol_id)

    ended = fixes[-1]["t"] + 60
    summary = phone.finish(ended).get_json()
    expected = expected_figures(fixes, grid.polygon)
    for name in ("distance_m", "moving_s", "in_grid_distance_m", "in_grid_s"):
        assert summary[name] == pytest.approx(expected[name], rel=1e-9), name
    assert summary["duration_s"] == ended - t0
    assert summary["counts_as_patrol_day"] is True and summary["reasons"][0] == "counts as a patrol day"
    codes = {f["code"]: f for f in summary["flags"]}
    assert set(codes) == {"mock_location", "impossible_speed", "outside_span"}
    assert codes["outside_span"]["count"] == 3 and codes["mock_location"]["count"] == 60
    assert 0 < summary["coverage_pct"] < 100

    # The same upload again changes nothing: no new rows, the same summary, the same version.
    for batch in batches:
        assert phone.points(batch).get_json()["accepted"] == 0
    assert phone.get().get_json() == summary
    assert phone.finish(ended).get_json() == summary  # finishing again answers the same
    assert phone.finish(ended + 5).status_code == 409


def test_a_late_batch_after_finish_is_accepted_and_updates_the_summary(phone, grid, app):
    t0 = morning()
    fixes = generate(*grid.centre, t0)
    last_walk = [f for f in fixes if f["index"] == len({f["index"] for f in fixes}) and f["phase"] == "walk"]
    held_back = last_walk[60:180]  # ten minutes of the last walk, synced only the next day
    on_time = [f for f in fixes if f not in held_back]
    phone.create(grid.id, t0)
    for batch in shuffled_batches(on_time, 500):
        phone.points(batch)
    ended = fixes[-1]["t"] + 60
    before = phone.finish(ended).get_json()
    assert before["distance_m"] == pytest.approx(expected_figures(on_time, grid.polygon)["distance_m"], rel=1e-9)

    late = phone.points(held_back).get_json()
    assert late == {"accepted": 120, "duplicates": 0, "total_points": len(fixes), "late": True}
    after = phone.get().get_json()
    expected = expected_figures(fixes, grid.polygon)
    assert after["distance_m"] == pytest.approx(expected["distance_m"], rel=1e-9)
    assert after["in_grid_s"] == pytest.approx(expected["in_grid_s"], rel=1e-9)
    assert after["distance_m"] > before["distance_m"] and after["version"] > before["version"]
    late_flag = next(f for f in after["flags"] if f["code"] == "late_points")
    assert late_flag["count"] == 120 and after["late_points"] == 120


def test_a_batch_over_the_limit_is_refused_naming_the_limit(phone, grid):
    t0 = morning()
    phone.create(grid.id, t0)
    fixes = [{"t": t0 + i, "lat": grid.centre[0], "lng": grid.centre[1], "accuracy_m": 5, "mock": False,
              "phase": "walk", "index": 0} for i in range(1001)]
    resp = phone.points(fixes)
    assert resp.status_code == 413
    body = resp.get_json()
    assert body["error"] == "too_many_points" and "1000" in body["message"]
    assert phone.points(fixes[:1000]).get_json()["accepted"] == 1000


@pytest.mark.parametrize(("field", "value"), [
    ("lat", 91.0), ("lng", -180.5), ("accuracy_m", -1.0), ("t", "2019-01-01T08:00:00+08:00"), ("t", "yesterday"),
    ("lat", "33.3"), ("mock", "yes"), ("colour", "red"),
])
def test_an_impossible_point_names_its_index_and_nothing_of_the_batch_is_written(phone, grid, app, field, value):
    t0 = morning()
    phone.create(grid.id, t0)
    points = [wire_point({"t": t0 + 5 * i, "lat": grid.centre[0], "lng": grid.centre[1], "accuracy_m": 5.0,
                          "mock": False}) for i in range(30)]
    points[17][field] = value
    resp = phone.raw_points(points)
    assert resp.status_code == 422, resp.get_json()
    assert list(resp.get_json()["errors"]["json"]["points"]) == ["17"]
    assert field in resp.get_json()["errors"]["json"]["points"]["17"]
    assert stored_points(app, phone.patrol_id) == 0


def test_a_point_in_the_future_is_refused(phone, grid):
    from reporter.common.timeutil import utcnow

    phone.create(grid.id, morning(days_ago=0) if morning(days_ago=0) < utcnow().timestamp() else morning())
    future = wire_point({"t": utcnow().timestamp() + 3600, "lat": grid.centre[0], "lng": grid.centre[1],
                         "accuracy_m": 5.0, "mock": False})
    resp = phone.raw_points([future])
    assert resp.status_code == 422 and "0" in resp.get_json()["errors"]["json"]["points"]


def test_gcj02_points_are_stored_in_wgs84(phone, grid, app):
    from reporter.geo.coords import wgs84_to_gcj02

    t0 = morning()
    phone.create(grid.id, t0)
    lat, lng = wgs84_to_gcj02(*grid.centre)
    phone.raw_points([{"t": iso(t0 + 5), "lat": lat, "lng": lng, "coord_system": "gcj02"}])
    with app_ctx(app) as session:
        point = session.execute(select(TrackPoint)).scalar_one()
        assert (point.lat, point.lng) == (pytest.approx(grid.centre[0], abs=1e-7),
                                          pytest.approx(grid.centre[1], abs=1e-7))


def test_other_inspectors_cannot_touch_or_read_a_patrol(phone, grid, client, users, app):
    t0 = morning()
    phone.create(grid.id, t0)
    intruder = PatrolApp(client, users.headers(users.make("inspector")), phone.patrol_id)
    point = {"t": t0 + 5, "lat": grid.centre[0], "lng": grid.centre[1], "accuracy_m": 5.0, "mock": False}
    assert intruder.points([point]).status_code == 403
    assert intruder.finish(t0 + 60).status_code == 403
    assert intruder.get().status_code == 403
    assert intruder.get("/track").status_code == 403
    assert stored_points(app, phone.patrol_id) == 0
    resident = PatrolApp(client, users.headers(users.make("resident")), phone.patrol_id)
    assert resident.get().status_code == 403
    missing = PatrolApp(client, phone.headers, str(uuid.uuid4()))
    assert missing.points([point]).status_code == 404


def test_track_geojson_simplified_and_in_gcj02(phone, grid, client, users):
    from reporter.geo.coords import wgs84_to_gcj02

    t0 = morning()
    fixes = generate(*grid.centre, t0)[:400]
    phone.create(grid.id, t0)
    phone.points(fixes)
    supervisor = PatrolApp(client, users.headers(users.make("supervisor")), phone.patrol_id)
    full = supervisor.get("/track").get_json()
    assert full["type"] == "Feature" and full["geometry"]["type"] == "LineString"
    coords = full["geometry"]["coordinates"]
    first = min(fixes, key=lambda f: f["t"])
    assert len(coords) == 400 and coords[0] == [first["lng"], first["lat"]]
    light = supervisor.get("/track", simplify=20).get_json()
    assert 2 <= len(light["geometry"]["coordinates"]) < 400 / 4
    gcj = supervisor.get("/track", coord_system="gcj02").get_json()["geometry"]["coordinates"][0]
    lat, lng = wgs84_to_gcj02(first["lat"], first["lng"])
    assert gcj == [pytest.approx(lng, abs=1e-6), pytest.approx(lat, abs=1e-6)]


def test_supervisors_list_and_filter_inspectors_see_their_own(phone, grid, client, users, app):
    from tests.patrols.conftest import assign

    t0 = morning()
    phone.create(grid.id, t0)
    other_id = users.make("inspector")
    assign(app, grid.id, other_id)
    other = PatrolApp(client, users.headers(other_id))
    other.create(grid.id, morning(days_ago=5))
    supervisor = users.headers(users.make("supervisor"))
    everything = client.get("/api/v1/patrols", headers=supervisor).get_json()
    assert everything["total"] == 2
    mine = client.get("/api/v1/patrols", headers=phone.headers).get_json()
    assert [p["id"] for p in mine["items"]] == [phone.patrol_id]
    theirs = client.get("/api/v1/patrols", headers=supervisor, query_string={"inspector": other_id}).get_json()
    assert [p["id"] for p in theirs["items"]] == [other.patrol_id]
    recent = client.get("/api/v1/patrols", headers=supervisor,
                        query_string={"from": iso(morning(days_ago=3))[:10], "grid": grid.id}).get_json()
    assert [p["id"] for p in recent["items"]] == [phone.patrol_id]
    resident = users.headers(users.make("resident"))
    assert client.get("/api/v1/patrols", headers=resident).status_code == 403
