"""A batch of track points is checked as a whole (column by column) and, when any point breaks a rule, point by point:
every rule of API.md "Inspectors' patrols" holds either way, a broken point is named by its index with the field it
breaks and nothing of the batch is stored; what is accepted is stored exactly as sent (WGS-84). The patrol keeps the
span of its point times, and a track is read within it (on PostgreSQL: from the months' partitions it lies in)."""
import math
import os
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from reporter.common.timeutil import CST, cst_date
from reporter.geo.coords import wgs84_to_gcj02
from reporter.patrols import partitions
from reporter.patrols import points as point_store
from reporter.patrols.models import Patrol, TrackPoint
from reporter.patrols.schemas import _batch_rows, _point
from tests.conftest import app_ctx
from tests.patrols.conftest import PatrolApp, iso, morning, wire_point

postgresql_only = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="partitions are PostgreSQL's (SQLite keeps one table)")

# (field, value, what the error says): each breaks one rule of a point
BROKEN = [
    ("lat", 90.5, "Must be greater than or equal to -90 and less than or equal to 90."),
    ("lat", -91, "Must be greater than or equal to -90"),
    ("lng", 180.01, "Must be greater than or equal to -180 and less than or equal to 180."),
    ("lat", "33.3", "Not a valid number."),
    ("lng", True, "Not a valid number."),  # JSON true is no number
    ("lat", None, "Field may not be null."),
    ("accuracy_m", -0.5, "Must be greater than or equal to 0 and less than or equal to 1e+06."),
    ("accuracy_m", 1e7, "less than or equal to 1e+06"),
    ("altitude_m", -1001.0, "Must be greater than or equal to -1000 and less than or equal to 10000."),
    ("speed_mps", 1000.5, "less than or equal to 1000"),
    ("heading", 360.5, "Must be greater than or equal to 0 and less than or equal to 360."),
    ("heading", [90], "Not a valid number."),
    ("t", "2026-11-28T08:00:00", "Not a valid aware datetime."),
    ("t", "yesterday", "Not a valid datetime."),
    ("t", 1764288000, "Not a valid datetime."),
    ("t", None, "Not a valid datetime."),
    ("coord_system", "bd09", "Must be one of: wgs84, gcj02."),
    ("coord_system", ["wgs84"], "Must be one of"),  # not even hashable
    ("coord_system", None, "Must be one of"),
    ("mock", "yes", "Not a valid boolean."),
    ("mock", 1, "Not a valid boolean."),
    ("mock", None, "Not a valid boolean."),
    ("provider", "g" * 17, "Not a string of at most 16 characters."),
    ("provider", 5, "Not a string of at most 16 characters."),
    ("colour", "red", "Unknown field."),
]


def _batch(t0: float, centre: tuple[float, float], count: int = 60) -> list[dict]:
    return [wire_point({"t": t0 + 5 * i, "lat": centre[0] + 1e-5 * i, "lng": centre[1], "accuracy_m": 5.0,
                        "mock": False}) for i in range(count)]


def _stored(app, patrol_id: str) -> list[tuple]:
    with app_ctx(app) as session:
        return session.execute(select(TrackPoint.t, TrackPoint.lat, TrackPoint.lng, TrackPoint.accuracy_m,
                                      TrackPoint.altitude_m, TrackPoint.speed_mps, TrackPoint.heading,
                                      TrackPoint.provider, TrackPoint.mock)
                               .where(TrackPoint.patrol_id == patrol_id).order_by(TrackPoint.t)).all()


@pytest.mark.parametrize(("field", "value", "message"), BROKEN)
def test_the_37th_point_breaking_a_rule_is_named_by_index_36_and_nothing_is_stored(phone, grid, app, field, value,
                                                                                    message):
    t0 = morning()
    assert phone.create(grid.id, t0).status_code == 201
    points = _batch(t0, grid.centre)
    points[36][field] = value
    resp = phone.raw_points(points)
    assert resp.status_code == 422, resp.get_json()
    errors = resp.get_json()["errors"]["json"]["points"]
    assert list(errors) == ["36"] and list(errors["36"]) == [field]
    assert message in errors["36"][field][0]
    assert _stored(app, phone.patrol_id) == []
    assert phone.get().get_json()["point_count"] == 0
    assert phone.raw_points(_batch(t0, grid.centre)).get_json()["accepted"] == 60  # the patrol is untouched


def test_a_missing_position_or_time_is_named_and_several_broken_points_each(phone, grid, app):
    t0 = morning()
    phone.create(grid.id, t0)
    points = _batch(t0, grid.centre)
    del points[0]["lat"]
    del points[36]["t"]
    points[59]["heading"] = -1.0
    points[59]["mock"] = "no"
    errors = phone.raw_points(points).get_json()["errors"]["json"]["points"]
    assert errors == {"0": {"lat": ["Missing data for required field."]},
                      "36": {"t": ["Missing data for required field."]},
                      "59": {"heading": ["Must be greater than or equal to 0 and less than or equal to 360."],
                             "mock": ["Not a valid boolean."]}}
    assert _stored(app, phone.patrol_id) == []


def test_a_point_that_is_no_object_is_named(phone, grid):
    t0 = morning()
    phone.create(grid.id, t0)
    points = _batch(t0, grid.centre)
    points[36] = [points[36]["lat"], points[36]["lng"]]
    errors = phone.raw_points(points).get_json()["errors"]["json"]["points"]
    assert errors == {"36": {"_schema": ["Invalid input type."]}}


def test_a_point_outside_the_patrols_time_is_named_by_index(phone, grid, app):
    t0 = morning()
    phone.create(grid.id, t0)
    points = _batch(t0, grid.centre)
    points[36]["t"] = iso(t0 - 25 * 3600)  # more than PATROL_POINT_WINDOW_H (24) before the start
    errors = phone.raw_points(points).get_json()["errors"]["json"]["points"]
    assert list(errors) == ["36"] and "Must lie between" in errors["36"]["t"][0]
    assert _stored(app, phone.patrol_id) == []


def test_every_accepted_form_of_a_point_is_stored_as_sent(phone, grid, app):
    t0 = morning()
    phone.create(grid.id, t0)
    lat, lng = grid.centre
    g_lat, g_lng = wgs84_to_gcj02(lat, lng)
    points = [
        {"t": iso(t0), "lat": lat, "lng": lng},  # the least a point can be
        {"t": iso(t0 + 5), "lat": 33, "lng": 108, "accuracy_m": 0, "altitude_m": 1200, "speed_mps": 0,
         "heading": 360, "provider": "g" * 16, "mock": True},  # whole numbers and every bound's edge
        {"t": iso(t0 + 10), "lat": lat, "lng": lng, "accuracy_m": None, "altitude_m": None, "speed_mps": None,
         "heading": None, "provider": None, "mock": False, "coord_system": "wgs84"},
        {"t": iso(t0 + 15), "lat": g_lat, "lng": g_lng, "coord_system": "gcj02", "accuracy_m": 3.5},
        {"t": datetime.fromtimestamp(t0 + 20, CST).astimezone().isoformat(), "lat": -90, "lng": 180.0},
    ]
    body = phone.raw_points(points).get_json()
    assert body == {"accepted": 5, "duplicates": 0, "total_points": 5, "late": False}
    stored = _stored(app, phone.patrol_id)
    assert [row[0].timestamp() for row in stored] == [t0, t0 + 5, t0 + 10, t0 + 15, t0 + 20]
    assert tuple(stored[0])[1:] == (lat, lng, None, None, None, None, None, False)
    assert tuple(stored[1])[1:] == (33.0, 108.0, 0.0, 1200.0, 0.0, 360.0, "g" * 16, True)
    assert tuple(stored[2])[1:] == (lat, lng, None, None, None, None, None, False)
    assert stored[3].lat == pytest.approx(lat, abs=1e-7) and stored[3].lng == pytest.approx(lng, abs=1e-7)
    assert stored[3].accuracy_m == 3.5
    assert (stored[4].lat, stored[4].lng) == (-90.0, 180.0)


def test_twins_in_a_batch_count_once_and_the_first_wins(phone, grid, app):
    t0 = morning()
    phone.create(grid.id, t0)
    first = wire_point({"t": t0, "lat": grid.centre[0], "lng": grid.centre[1], "accuracy_m": 5.0, "mock": False})
    twin = {**first, "accuracy_m": 40.0}
    assert phone.raw_points([first, twin]).get_json() == {"accepted": 1, "duplicates": 1, "total_points": 1,
                                                           "late": False}
    assert _stored(app, phone.patrol_id)[0].accuracy_m == 5.0


def _rows_point_by_point(points: list) -> list[tuple] | None:
    rows = []
    for raw in points:
        row, errors = _point(raw)
        if errors:
            return None
        rows.append(tuple(row[name] for name in point_store.COLUMNS))
    return rows


@pytest.mark.parametrize(("field", "value"), [(field, value) for field, value, _ in BROKEN] + [
    ("lat", math.nan), ("lng", math.inf), ("accuracy_m", -math.inf), ("heading", math.nan), ("lat", 10 ** 400),
    ("speed_mps", False), ("provider", ["gps"]),
])
def test_the_batch_check_refuses_every_point_the_point_check_refuses(field, value):
    points = _batch(morning(), (33.3, 108.3))
    points[36][field] = value
    assert _rows_point_by_point(points) is None  # the rule
    assert _batch_rows(points) is None  # the batch check lets the point check word the error


def test_the_batch_check_loads_what_the_point_check_loads():
    t0 = morning()
    points = _batch(t0, (33.3, 108.3), 40)
    points[3].update(lat=33, accuracy_m=None, provider=None)
    points[7].update(coord_system="gcj02", mock=True, altitude_m=-1000, heading=0)
    for name in ("accuracy_m", "mock", "provider", "coord_system"):
        del points[11][name]
    points[12]["t"] = "2026-11-28T00:00:05Z"
    rows = _batch_rows(points)
    assert rows is not None and rows == _rows_point_by_point(points)
    assert all(type(value) is float for row in rows for value in row[1:7] if value is not None)
    assert _batch_rows([]) == [] == _rows_point_by_point([])


def test_the_patrol_keeps_the_span_of_its_points_and_the_track_covers_it(phone, grid, app):
    t0 = morning()
    phone.create(grid.id, t0)
    middle, before, after = _batch(t0 + 600, grid.centre, 30), _batch(t0 - 1200, grid.centre, 10), \
        _batch(t0 + 3600, grid.centre, 10)
    for batch in (middle, after, before, middle[:5] + after[:2]):
        assert phone.raw_points(batch).status_code == 200
    with app_ctx(app) as session:
        patrol = session.get(Patrol, phone.patrol_id)
        assert patrol.first_point_at.timestamp() == t0 - 1200
        assert patrol.last_point_at.timestamp() == t0 + 3600 + 45
        assert patrol.point_count == 50
    assert phone.get("/track").get_json()["properties"]["vertices"] == 50
    summary = phone.finish(t0 + 4000).get_json()
    assert next(f for f in summary["flags"] if f["code"] == "outside_span")["count"] == 10  # the early ones read
    late = _batch(t0 + 4000, grid.centre, 4)  # after the finish: the general path widens the span too
    assert phone.raw_points(late).get_json()["late"] is True
    with app_ctx(app) as session:
        assert session.get(Patrol, phone.patrol_id).last_point_at.timestamp() == t0 + 4015
    assert phone.get("/track").get_json()["properties"]["vertices"] == 54


@postgresql_only
def test_a_track_across_two_months_is_read_from_those_two_partitions_only(app, client, users, grid, inspector):
    phone = PatrolApp(client, users.headers(inspector))
    today = cst_date(datetime.now(CST))
    first = today.replace(day=1)
    for _ in range(3):
        first = (first - timedelta(days=1)).replace(day=1)  # three months back
    following = partitions.next_month(first)
    with app_ctx(app) as session:
        partitions.ensure_months(session.connection(), first, today)
        session.commit()
    t0 = datetime.combine(following, datetime.min.time(), CST).timestamp() - 1800  # 23:30 CST, the month's last day
    phone.create(grid.id, t0)
    assert phone.raw_points(_batch(t0, grid.centre, 720)).get_json()["accepted"] == 720  # an hour, two months
    with app_ctx(app) as session:
        patrol = session.get(Patrol, phone.patrol_id)
        columns = TrackPoint.__table__.c
        query = select(columns.t).where(*point_store.track_where(patrol))
        compiled = query.compile(session.connection())
        plan = "\n".join(session.connection().exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars())
        read = {name for name in partitions.partitions(session.connection()) if name in plan}
        assert read == {partitions.partition_name(first), partitions.partition_name(following)}
        assert len(session.execute(query).all()) == 720


def test_an_open_patrol_whose_raw_points_were_erased_refuses_more_points(phone, grid, app):
    t0 = morning()
    phone.create(grid.id, t0)
    assert phone.raw_points(_batch(t0, grid.centre, 20)).status_code == 200
    with app_ctx(app) as session:  # e.g. its month detached before the phone synced again (partitions, retention)
        patrol = session.get(Patrol, phone.patrol_id)
        point_store.keep_simplified(patrol, 20.0)
        session.commit()
    resp = phone.raw_points(_batch(t0 + 100, grid.centre, 5))
    assert resp.status_code == 409 and resp.get_json()["error"] == "points_erased"
    assert len(_stored(app, phone.patrol_id)) == 20 and phone.get().get_json()["point_count"] == 20
