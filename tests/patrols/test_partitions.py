"""Track points in monthly partitions on PostgreSQL: made ahead by the sweep, each point in its month's partition, a
past month detached and archived while the other months stay readable, and migration 0020 up and down with data.
SQLite keeps one table."""
import csv
import gzip
import io
import os
from datetime import date, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from reporter import create_app
from reporter.common.timeutil import CST, cst_date, utcnow
from reporter.extensions import db
from reporter.patrols import partitions
from reporter.patrols.models import Patrol
from tests.conftest import app_ctx
from tests.patrols.conftest import PatrolApp
from tests.patrols.tracks import generate
from tests.support.database import private_database

postgresql_only = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="partitions are PostgreSQL's (SQLite keeps one table)")


def _where(session, patrol_id: str) -> dict[str, int]:
    """Partition name → how many of the patrol's points it holds."""
    rows = session.execute(text("SELECT tableoid::regclass::text, count(*) FROM patrol_points "
                                "WHERE patrol_id = :id GROUP BY 1"), {"id": patrol_id})
    return dict(rows.all())


def _month_ago(months: int) -> float:
    """08:00 CST on the 10th, `months` months before this one, in epoch seconds."""
    first = cst_date(utcnow()).replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return datetime(first.year, first.month, 10, 8, tzinfo=CST).timestamp()


def _walk(phone: PatrolApp, grid, t0: float, count: int = 40) -> list[dict]:
    fixes = generate(*grid.centre, t0)[:count]
    assert phone.create(grid.id, t0).status_code == 201
    resp = phone.points(fixes)
    assert resp.status_code == 200 and resp.get_json()["accepted"] == count, resp.get_json()
    return fixes


@postgresql_only
def test_the_sweep_makes_partitions_ahead(app):
    with app_ctx(app) as session:
        made = partitions.ensure_ahead(session.connection(), 2, today=date(2031, 1, 10))
        session.commit()
        assert made == ["patrol_points_y2030m12", "patrol_points_y2031m01", "patrol_points_y2031m02",
                        "patrol_points_y2031m03"]
        assert partitions.ensure_ahead(session.connection(), 2, today=date(2031, 1, 10)) == []  # safe to rerun
        bounds = session.execute(text("SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c "
                                      "WHERE relname = 'patrol_points_y2031m01'")).scalar()
        assert bounds == ("FOR VALUES FROM ('2030-12-31 16:00:00+00') TO ('2031-01-31 16:00:00+00')")  # CST month
    result = app.test_cli_runner().invoke(args=["patrols", "partitions", "--ahead", "3"])
    assert result.exit_code == 0, result.output
    with app_ctx(app) as session:
        names = partitions.partitions(session.connection())
    month = cst_date(utcnow()).replace(day=1)
    for _ in range(4):
        assert partitions.partition_name(month) in names
        month = partitions.next_month(month)
    assert names[-1] == partitions.DEFAULT


@postgresql_only
def test_points_land_in_their_months_partition_and_a_late_month_collects_them(app, client, users, grid, inspector):
    phone = PatrolApp(client, users.headers(inspector))
    t0 = _month_ago(0) if cst_date(utcnow()).day > 11 else _month_ago(1)
    _walk(phone, grid, t0)
    this_month = partitions.partition_name(cst_date(datetime.fromtimestamp(t0, CST)))
    with app_ctx(app) as session:
        assert _where(session, phone.patrol_id) == {this_month: 40}

    far = PatrolApp(client, users.headers(inspector))  # a month nobody made yet: the default partition holds it
    old = datetime(2019, 6, 10, 8, tzinfo=CST).timestamp()
    _walk(far, grid, old)
    with app_ctx(app) as session:
        assert _where(session, far.patrol_id) == {partitions.DEFAULT: 40}
        assert partitions.create_month(session.connection(), date(2019, 6, 1))
        session.commit()
        assert _where(session, far.patrol_id) == {"patrol_points_y2019m06": 40}
    assert far.get("/track").get_json()["properties"]["vertices"] == 40


@postgresql_only
def test_a_detached_month_is_archived_and_the_other_months_stay_readable(app, client, users, grid, inspector,
                                                                         tmp_path):
    old, recent = PatrolApp(client, users.headers(inspector)), PatrolApp(client, users.headers(inspector))
    t_old = _month_ago(3)
    month = cst_date(datetime.fromtimestamp(t_old, CST)).replace(day=1)
    with app_ctx(app) as session:
        partitions.ensure_months(session.connection(), month, month)
        session.commit()
    old_fixes = _walk(old, grid, t_old)
    assert old.finish(old_fixes[-1]["t"] + 5).status_code == 200
    _walk(recent, grid, _month_ago(1), count=25)

    runner = app.test_cli_runner()
    refused = runner.invoke(args=["patrols", "detach", cst_date(utcnow()).strftime("%Y-%m")])
    assert refused.exit_code == 1 and "before the current one" in refused.output
    archive = tmp_path / "points.csv.gz"
    result = runner.invoke(args=["patrols", "detach", month.strftime("%Y-%m"), "--archive", str(archive)])
    assert result.exit_code == 0, result.output
    assert "points=40" in result.output

    with gzip.open(archive, "rt") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read())))
    assert len(rows) == 40 and {r["patrol_id"] for r in rows} == {old.patrol_id}
    assert sorted(float(r["lat"]) for r in rows) == sorted(f["lat"] for f in old_fixes)
    with app_ctx(app) as session:
        assert partitions.partition_name(month) not in partitions.partitions(session.connection())
        assert session.execute(text("SELECT to_regclass(:name)"), {"name": partitions.partition_name(month)}
                               ).scalar() is None  # archived: the table is gone
        patrol = session.get(Patrol, old.patrol_id)
        assert patrol.points_erased_at is not None and len(patrol.simplified_track) >= 2
    assert recent.get("/track").get_json()["properties"]["vertices"] == 25  # other months untouched
    assert old.get("/track").get_json()["geometry"]["coordinates"]  # the simplified track remains
    late = old.points(old_fixes[:1])  # the summary is final now, as after the retention sweep
    assert late.status_code == 409 and late.get_json()["error"] == "points_erased"


def test_sqlite_keeps_one_table(app):
    with app_ctx(app) as session:
        if session.connection().dialect.name == "postgresql":
            pytest.skip("SQLite only")
        assert not partitions.is_partitioned(session.connection())
    result = app.test_cli_runner().invoke(args=["patrols", "partitions"])  # the sweep runs it: no failure
    assert result.exit_code == 0 and "one table" in result.output
    result = app.test_cli_runner().invoke(args=["patrols", "detach", "2020-01"])
    assert result.exit_code == 1 and "one table" in result.output


@postgresql_only
def test_migration_0020_converts_the_table_with_its_data_and_back(app_config, tmp_path):
    with private_database(tmp_path) as url:
        other = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": url})
        with other.app_context():
            upgrade(revision="0019")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO users (id, username, display_name, is_active, created_at) "
                                  "VALUES (1, 'insp', 'insp', true, CURRENT_TIMESTAMP)"))
                conn.execute(text("INSERT INTO counties (adcode, name, in_qinling, geometry, properties) "
                                  "VALUES ('610923', '宁陕县', true, '{}', '{}')"))
                conn.execute(text("INSERT INTO grids (id, code, name, county_adcode, geometry, properties, generated) "
                                  "VALUES (1, 'g1', 'g1', '610923', '{}', '{}', false)"))
                conn.execute(text(
                    "INSERT INTO patrols (id, inspector_id, grid_id, started_at, day, finished, point_count, "
                    "late_points, visited_cells, reasons, flags, explanation, version, created_at) VALUES "
                    "('p1', 1, 1, '2025-01-31 15:00+00', '2025-01-31', false, 0, 0, '[]', '[]', '[]', '{}', 1, now())"))
                conn.execute(text(  # 23:00 CST on 31 January and 01:00 CST on 1 February: two months
                    "INSERT INTO patrol_points (patrol_id, t, lat, lng, mock, late) VALUES "
                    "('p1', '2025-01-31 15:00+00', 33.3, 108.3, false, false), "
                    "('p1', '2025-01-31 17:00+00', 33.4, 108.4, false, false)"))
            upgrade(revision="0020")
            with db.engine.connect() as conn:
                assert partitions.is_partitioned(conn)
                assert _where(conn, "p1") == {"patrol_points_y2025m01": 1, "patrol_points_y2025m02": 1}
                assert partitions.partition_name(cst_date(utcnow()).replace(day=1)) in partitions.partitions(conn)
            downgrade(revision="0019")
            with db.engine.connect() as conn:
                assert not partitions.is_partitioned(conn)
                assert conn.execute(text("SELECT count(*) FROM patrol_points")).scalar() == 2
                assert conn.execute(text("SELECT count(*) FROM pg_class WHERE relname LIKE 'patrol_points_%'")
                                    ).scalar() == 0
            db.engine.dispose()
