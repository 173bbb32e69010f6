"""Patrol sync benchmark on PostgreSQL: a day-long track (a fix every 5 s, 17,280 points) uploaded in batches of 500
through the whole Flask stack (auth, rate limiter, validation of every point, the patrol row lock, insert-or-absorb,
commit), against COPY of the same rows on the same connection in the same run; then the finish computation against
a bare haversine loop over the same points.

Creates a fresh PostgreSQL database for the run and drops it afterwards. The server is taken from BENCH_DATABASE_URL
or TEST_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1/postgres).

    .venv/bin/python bench/patrols.py [ROUNDS]
"""
import json
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from reporter import create_app  # noqa: E402
from reporter.accounts.models import AuthSession, User, UserRole  # noqa: E402
from reporter.accounts.tokens import issue_tokens  # noqa: E402
from reporter.common.timeutil import CST, utcnow  # noqa: E402
from reporter.extensions import db  # noqa: E402
from reporter.geo.services import assign_inspector, grid_polygon, locate  # noqa: E402
from reporter.patrols.effort import Fix, GridCells, compute  # noqa: E402
from reporter.patrols.models import Patrol  # noqa: E402
from reporter.patrols.services import patrol_effort  # noqa: E402
from reporter.reference import load_all  # noqa: E402
from tests.patrols.tracks import Phase, generate  # noqa: E402

NINGSHAN = (33.3125, 108.3140)  # 宁陕县城, WGS-84
DAY = [Phase("walk", 55), Phase("pause", 5, 0.0)] * 24  # 24 hours: 17,280 fixes at one every 5 s
BATCH = 500
COLUMNS = ("patrol_id", "t", "lat", "lng", "accuracy_m", "altitude_m", "speed_mps", "heading", "provider", "mock",
           "late")


def wire(fix: dict) -> dict:
    return {"t": datetime.fromtimestamp(fix["t"], CST).isoformat(), "lat": fix["lat"], "lng": fix["lng"],
            "accuracy_m": fix["accuracy_m"], "altitude_m": 1250.0, "speed_mps": 1.2, "heading": 90.0,
            "provider": "gps", "mock": fix["mock"]}


def scratch_database():
    base = make_url(os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
                    or "postgresql+psycopg://postgres@127.0.0.1/postgres")
    name = f"reporter_bench_patrols_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return admin, name, base.set(database=name).render_as_string(hide_password=False)


def make_app(tmp: str, url: str):
    app = create_app({
        "INSTANCE_PATH": tmp, "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_ROOT": f"{tmp}/uploads",
        "ACCESS_LOG": False, "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
        "JWT_SECRET_KEY": "bench-jwt-secret-0123456789abcdef0123456789", "CONTACT_ENCRYPTION_KEYS": "bench-key",
        "PAYEE_INDEX_KEYS": "bench-payee-key",
        # one pooled connection: the API and the COPY baseline run on the very same PostgreSQL connection
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0},
        "RATELIMIT_PATROL_POINTS": "10000/minute",
    })
    with app.app_context():
        upgrade(revision="heads")
        load_all()
        user = User(username="bench-inspector", display_name="网格员", role_rows=[UserRole(role="inspector")])
        db.session.add(user)
        db.session.flush()
        grid_id = locate(*NINGSHAN).grid_id
        assign_inspector(grid_id, user.id)
        auth = AuthSession(user_id=user.id, method="password")
        db.session.add(auth)
        db.session.flush()
        token = issue_tokens(user, auth, fresh=False)["access_token"]
        centre = grid_polygon(grid_id).centroid
        inspector_id = user.id
        db.session.commit()
        db.session.remove()
    return app, {"Authorization": f"Bearer {token}"}, grid_id, inspector_id, (centre.y, centre.x)


def upload_through_api(client, headers, grid_id: int, t0: float, bodies: list[bytes]) -> tuple[float, str]:
    """The phone's batches (JSON already encoded, as the phone sends it) through the whole stack."""
    patrol_id = str(uuid.uuid4())
    resp = client.post("/api/v1/patrols", headers=headers, json={
        "id": patrol_id, "grid_id": grid_id, "started_at": datetime.fromtimestamp(t0, CST).isoformat()})
    assert resp.status_code == 201, resp.get_json()
    start = time.perf_counter()
    for body in bodies:
        resp = client.post(f"/api/v1/patrols/{patrol_id}/points", headers=headers, data=body,
                           content_type="application/json")
        assert resp.status_code == 200 and resp.get_json()["duplicates"] == 0, resp.get_json()
    return time.perf_counter() - start, patrol_id


def copy_plain(app, grid_id: int, inspector_id: int, t0: float, fixes: list[dict], batch: int | None = None) -> float:
    """COPY the same rows (already converted, as the fastest client would) into a patrol of their own: in one COPY,
    or in one COPY and commit per batch."""
    with app.app_context():
        started = datetime.fromtimestamp(t0, CST)
        patrol_id = str(uuid.uuid4())
        patrol = Patrol(id=patrol_id, inspector_id=inspector_id, grid_id=grid_id, started_at=started,
                        day=started.date(), visited_cells=[], reasons=[], flags=[], explanation={})
        db.session.add(patrol)
        db.session.commit()
        db.session.remove()  # hand the one pooled connection back
        rows = [(patrol_id, datetime.fromtimestamp(f["t"], CST), f["lat"], f["lng"], f["accuracy_m"], 1250.0, 1.2,
                 90.0, "gps", f["mock"], False) for f in fixes]
        raw = db.engine.raw_connection()
        try:
            size = batch or len(rows)
            start = time.perf_counter()
            for first in range(0, len(rows), size):
                with raw.cursor() as cur, cur.copy(f"COPY patrol_points ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in rows[first:first + size]:
                        copy.write_row(row)
                raw.commit()
            elapsed = time.perf_counter() - start
        finally:
            raw.close()
        db.session.remove()
    return elapsed


def bare_haversine(fixes: list[Fix]) -> float:
    """The floor: one haversine per consecutive pair, nothing else."""
    total = 0.0
    for a, b in zip(fixes, fixes[1:], strict=False):
        p1, p2 = math.radians(a.lat), math.radians(b.lat)
        h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b.lng - a.lng) / 2) ** 2
        total += 2 * 6371008.8 * math.asin(math.sqrt(h))
    return total


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main(rounds: int) -> None:
    admin, name, url = scratch_database()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run(tmp, url, rounds)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(tmp: str, url: str, rounds: int) -> None:
    app, headers, grid_id, inspector_id, centre = make_app(tmp, url)
    client = app.test_client()
    t0 = utcnow().timestamp() - 2 * 86400
    fixes = generate(*centre, t0, phases=DAY)
    bodies = [json.dumps({"points": [wire(f) for f in fixes[i:i + BATCH]]}).encode()
              for i in range(0, len(fixes), BATCH)]
    print(f"{len(fixes)} points in {len(bodies)} batches of {BATCH}; PostgreSQL; {rounds} rounds, interleaved")
    api_times, copy_times, batched_times, patrol_ids = [], [], [], []
    for _ in range(rounds):
        elapsed, patrol_id = upload_through_api(client, headers, grid_id, t0, bodies)
        api_times.append(elapsed)
        patrol_ids.append(patrol_id)
        copy_times.append(copy_plain(app, grid_id, inspector_id, t0, fixes))
        batched_times.append(copy_plain(app, grid_id, inspector_id, t0, fixes, BATCH))
    api, plain, batched = (statistics.median(x) for x in (api_times, copy_times, batched_times))
    print(f"full stack (HTTP, auth, validation, lock, insert-or-absorb, commit): {len(fixes) / api:10,.0f} points/s")
    print(f"plain COPY of the same rows, same connection:                       {len(fixes) / plain:10,.0f} points/s")
    print(f"ratio full stack / COPY: {plain / api:.2f} (target ≥ 0.25)")
    print(f"(for context: COPY + commit per batch of {BATCH}: {len(fixes) / batched:,.0f} points/s; "
          f"ratio {batched / api:.2f})")

    ended = datetime.fromtimestamp(fixes[-1]["t"] + 5, CST).isoformat()
    finish_s = timed(lambda: client.post(f"/api/v1/patrols/{patrol_ids[0]}/finish", headers=headers,
                                         json={"ended_at": ended}).get_json())
    as_fixes = [Fix(f["t"], f["lat"], f["lng"], f["accuracy_m"], f["mock"]) for f in fixes]
    with app.app_context():
        polygon = grid_polygon(grid_id)
        cells = GridCells(polygon, 200.0)
        effort_s = statistics.median(timed(compute, as_fixes, t0, fixes[-1]["t"] + 5, polygon, None, cells)
                                     for _ in range(3))
        patrol = db.session.get(Patrol, patrol_ids[0])
        load_and_compute_s = statistics.median(timed(patrol_effort, patrol) for _ in range(3))
        summary = (patrol.distance_m, patrol.in_grid_s, patrol.coverage_pct)
        db.session.remove()
    bare_s = statistics.median(timed(bare_haversine, as_fixes) for _ in range(5))
    print(f"finish (POST /finish: load {len(fixes)} points, compute, store): {finish_s * 1000:8.1f} ms")
    print(f"  effort computation alone (cached grid cells):          {effort_s * 1000:8.1f} ms")
    print(f"  load from PostgreSQL + computation:                    {load_and_compute_s * 1000:8.1f} ms")
    print(f"  bare haversine loop over the same points:               {bare_s * 1000:8.1f} ms")
    print(f"  ratio computation / bare haversine: {effort_s / bare_s:.1f}×; "
          f"finish / bare haversine: {finish_s / bare_s:.1f}×")
    print(f"  summary: {summary[0] / 1000:.2f} km, {summary[1] / 3600:.2f} h in the grid, {summary[2]}% cells")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
