"""Per-day and per-month figures for the monthly ranking: which days count, and why."""
import threading
import uuid
from datetime import date, datetime, time

import pytest

from reporter.common.timeutil import CST
from reporter.patrols.models import Observation, Patrol
from reporter.patrols.services import inspector_days, monthly_figures
from tests.conftest import app_ctx
from tests.patrols.conftest import PatrolApp, morning, wire_point


def stored_patrol(session, inspector: int, grid_id: int, day: date, km: float, minutes: float, *,
                  cells=(), cell_count=100, hour=8) -> Patrol:
    """A finished patrol with given in-grid figures (as finish() would have stored them)."""
    start = datetime.combine(day, time(hour), CST)
    patrol = Patrol(id=str(uuid.uuid4()), inspector_id=inspector, grid_id=grid_id, started_at=start,
                    ended_at=start.replace(hour=hour + 3), day=day, finished=True, distance_m=km * 1000 + 500,
                    duration_s=3 * 3600, moving_s=minutes * 60, counted_s=minutes * 60,
                    in_grid_distance_m=km * 1000, in_grid_s=minutes * 60, coverage_pct=0.0,
                    cell_count=cell_count, visited_cells=list(cells), reasons=[], flags=[], explanation={})
    session.add(patrol)
    return patrol


def test_days_count_by_the_rule_at_its_edges_and_patrols_of_a_day_add_up(app, inspector, grid):
    with app_ctx(app) as session:
        for day, km, minutes in [(2, 2.99, 120), (3, 3.00, 120), (4, 5.0, 59), (5, 5.0, 60)]:
            stored_patrol(session, inspector, grid.id, date(2026, 3, day), km, minutes)
        stored_patrol(session, inspector, grid.id, date(2026, 3, 6), 1.5, 30, hour=8)
        stored_patrol(session, inspector, grid.id, date(2026, 3, 6), 1.5, 30, hour=14)
        stored_patrol(session, inspector, grid.id, date(2026, 4, 1), 9.0, 300)  # another month
        session.commit()
        figures = inspector_days(inspector, "2026-03")
    counted = {row["day"].day: row["counts"] for row in figures["days"]}
    assert counted == {2: False, 3: True, 4: False, 5: True, 6: True}
    day2 = next(row for row in figures["days"] if row["day"].day == 2)
    assert "in-grid distance 2.99 km is below the 3 km minimum" in day2["reasons"]
    day4 = next(row for row in figures["days"] if row["day"].day == 4)
    assert "in-grid time 59 min is below the 1 h minimum" in day4["reasons"]
    assert next(row for row in figures["days"] if row["day"].day == 6)["patrols"] == 2
    assert figures["valid_days"] == 3 and figures["patrols"] == 6
    assert figures["target_days"] == 20 and figures["met_target"] is False


def test_the_monthly_target_and_day_rule_are_configurable(make_app, app, inspector, grid):
    with app_ctx(app) as session:
        for day in (2, 3):
            stored_patrol(session, inspector, grid.id, date(2026, 3, day), 2.0, 45)
        session.commit()
    lenient = make_app(PATROL_MONTHLY_TARGET_DAYS=2, PATROL_DAY_MIN_KM=2, PATROL_DAY_MIN_HOURS=0.75)
    with app_ctx(lenient):
        figures = inspector_days(inspector, date(2026, 3, 15))
    assert (figures["valid_days"], figures["target_days"], figures["met_target"]) == (2, 2, True)


def test_month_coverage_is_the_union_of_cells_visited_and_problems_are_counted(app, inspector, grid, users):
    other = users.make("inspector")
    with app_ctx(app) as session:
        first = stored_patrol(session, inspector, grid.id, date(2026, 3, 2), 4, 90, cells=["0:0", "0:1", "1:1"])
        stored_patrol(session, inspector, grid.id, date(2026, 3, 3), 4, 90, cells=["1:1", "2:2"])
        stored_patrol(session, other, grid.id, date(2026, 3, 3), 1, 20, cells=["5:5"])
        session.flush()
        for problem in (True, True, False):
            session.add(Observation(id=str(uuid.uuid4()), patrol_id=first.id, lat=33.3, lng=108.3,
                                    t=first.started_at, problem=problem, note="", photo_ids=[]))
        session.commit()
        rows = {r["inspector_id"]: r for r in monthly_figures("2026-03")}
    assert rows[inspector]["coverage_pct"] == 4.0 and rows[other]["coverage_pct"] == 1.0
    assert rows[inspector]["problems_found"] == 2 and rows[other]["problems_found"] == 0
    assert rows[inspector]["in_grid_distance_m"] == 8000.0


def test_figures_over_http_inspectors_see_only_their_own(client, users, inspector, app, grid):
    with app_ctx(app) as session:
        stored_patrol(session, inspector, grid.id, date(2026, 3, 3), 3.2, 75)
        session.commit()
    own = client.get("/api/v1/patrols/figures", headers=users.headers(inspector), query_string={"month": "2026-03"})
    assert own.status_code == 200 and own.get_json()["valid_days"] == 1
    assert own.get_json()["days"][0]["day"] == "2026-03-03"
    nosy = users.headers(users.make("inspector"))
    assert client.get("/api/v1/patrols/figures", headers=nosy,
                      query_string={"inspector": inspector, "month": "2026-03"}).status_code == 403
    supervisor = users.headers(users.make("supervisor"))
    seen = client.get("/api/v1/patrols/figures", headers=supervisor,
                      query_string={"inspector": inspector, "month": "2026-03"})
    assert seen.get_json()["inspector_id"] == inspector
    assert client.get("/api/v1/patrols/figures", headers=supervisor,
                      query_string={"month": "2026-13"}).status_code == 422


@pytest.mark.postgres
def test_concurrent_overlapping_batches_store_each_point_once(app, phone, grid):
    with app_ctx(app) as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("a real race needs PostgreSQL")
    t0 = morning()
    phone.create(grid.id, t0)
    points = [wire_point({"t": t0 + 5 * i, "lat": grid.centre[0], "lng": grid.centre[1], "accuracy_m": 5.0,
                          "mock": False}) for i in range(600)]
    batches = [points[0:400], points[200:600], points[100:500]]
    barrier, answers = threading.Barrier(3), []

    def send(batch):
        barrier.wait()
        answers.append(PatrolApp(app.test_client(), phone.headers, phone.patrol_id).raw_points(batch).get_json())

    threads = [threading.Thread(target=send, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(a["accepted"] for a in answers) == 600
    assert sum(a["duplicates"] for a in answers) == 1200 - 600
    assert phone.get().get_json()["point_count"] == 600
