"""Patrol sync benchmark on PostgreSQL, a check: a day's track (8 hours, a fix every 5 s: 5,760 points) uploaded in
batches of 500 through the whole Flask stack (auth, rate limiter, validation of every point, the patrol row lock,
insert-or-absorb, commit), against one binary COPY of the same rows on the same connection in the same run (target:
the API at least 0.25 of COPY's rate); then the finish computation against a bare haversine loop (reported).

--scale: the points at city scale. Two stores are filled, each with this month's patrols and a year of history
(patrols of 5,760 points spread over the twelve months before this one, in their monthly partitions): one to 1 million
points, one to 10 million, then VACUUM ANALYZE (a store in steady state). In rounds interleaved between the two (so the
machine's load falls on both alike) the same day's track is uploaded through the API and the current month's figures
are read (the monthly figures of every inspector, and one patrol's track from the store). Target: each (median of the
rounds) stays within 1.5x of its time at 1 million.

Creates fresh PostgreSQL databases for the run and drops them afterwards. The server is taken from BENCH_DATABASE_URL
or TEST_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1/postgres). Exits 1 when a target is missed.

    .venv/bin/python bench/patrols.py [ROUNDS]
    .venv/bin/python bench/patrols.py --scale [--small 1000000] [--large 10000000]
"""
import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.verdict import Verdict  # noqa: E402
from reporter import create_app  # noqa: E402
from reporter.accounts.models import AuthSession, User, UserRole  # noqa: E402
from reporter.accounts.tokens import issue_tokens  # noqa: E402
from reporter.common.timeutil import CST, utcnow  # noqa: E402
from reporter.extensions import db  # noqa: E402
from reporter.geo.services import assign_inspector, grid_polygon, locate  # noqa: E402
from reporter.patrols import partitions  # noqa: E402
from reporter.patrols.effort import Fix, GridCells, compute  # noqa: E402
from reporter.patrols.models import Patrol  # noqa: E402
from reporter.patrols.points import _COPY_TYPES  # noqa: E402
from reporter.patrols.services import monthly_figures, patrol_effort  # noqa: E402
from reporter.reference import load_all  # noqa: E402
from tests.patrols.tracks import Phase, generate  # noqa: E402

NINGSHAN = (33.3125, 108.3140)  # 宁陕县城, WGS-84
DAY = [Phase("walk", 55), Phase("pause", 5, 0.0)] * 8  # 8 hours: 5,760 fixes at one every 5 s
BATCH = 500
COLUMNS = ("patrol_id", "t", "lat", "lng", "accuracy_m", "altitude_m", "speed_mps", "heading", "provider", "mock",
           "late")
BASELINE_COPY = f"COPY patrol_points ({', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)"
BASELINE_TYPES = (_COPY_TYPES[0], *_COPY_TYPES[2:], _COPY_TYPES[1])  # the API's types in COLUMNS' order


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
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(hours=4),  # --scale fills the store for many minutes between uploads
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
    """Binary COPY of the same rows (already converted, as the fastest client would) into a patrol of their own: in
    one COPY, or in one COPY and commit per batch."""
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
                with raw.cursor() as cur, cur.copy(BASELINE_COPY) as copy:
                    copy.set_types(BASELINE_TYPES)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rounds", nargs="?", type=int, default=5)
    parser.add_argument("--scale", action="store_true", help="1 million points against 10 million")
    parser.add_argument("--small", type=int, default=1_000_000)
    parser.add_argument("--large", type=int, default=10_000_000)
    args = parser.parse_args()
    verdict = Verdict("patrols")
    databases = [scratch_database() for _ in range(2 if args.scale else 1)]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if args.scale:
                at_scale(tmp, [url for _, _, url in databases], args.small, args.large, verdict)
            else:
                run(tmp, databases[0][2], args.rounds, verdict)
    finally:
        for admin, name, _ in databases:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    verdict.exit()


def day_track(centre: tuple[float, float]) -> tuple[float, list[dict], list[bytes]]:
    t0 = utcnow().timestamp() - 2 * 86400
    fixes = generate(*centre, t0, phases=DAY)
    bodies = [json.dumps({"points": [wire(f) for f in fixes[i:i + BATCH]]}).encode()
              for i in range(0, len(fixes), BATCH)]
    return t0, fixes, bodies


def run(tmp: str, url: str, rounds: int, verdict: Verdict) -> None:
    app, headers, grid_id, inspector_id, centre = make_app(tmp, url)
    client = app.test_client()
    t0, fixes, bodies = day_track(centre)
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
    print(f"one binary COPY of the same rows, same connection:                  {len(fixes) / plain:10,.0f} points/s")
    print(f"(for context: binary COPY + commit per batch of {BATCH}: {len(fixes) / batched:,.0f} points/s; "
          f"ratio {batched / api:.2f})")
    verdict.at_least("ingest through the API / one COPY", plain / api, 0.25)

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
          f"finish / bare haversine: {finish_s / bare_s:.1f}× (reported)")
    print(f"  summary: {summary[0] / 1000:.2f} km, {summary[1] / 3600:.2f} h in the grid, {summary[2]}% cells")


# ---- --scale: 1 million points against 10 million ----

POINTS_PER_PATROL = len(generate(0.0, 0.0, 0.0, phases=DAY))
INSPECTORS = 100

_PATROLS = """
    INSERT INTO patrols (id, inspector_id, grid_id, started_at, ended_at, day, finished, finished_at, point_count,
                         late_points, first_point_at, last_point_at, computed_at, distance_m, duration_s, moving_s,
                         counted_s, in_grid_distance_m, in_grid_s, coverage_pct, cell_count, visited_cells,
                         counts_as_patrol_day, reasons, flags, explanation, version, created_at)
    SELECT :prefix || lpad(n::text, 8, '0'), 1000 + n % :inspectors, :grid, s, s + interval '8 hours',
           (s AT TIME ZONE 'Asia/Shanghai')::date, true, s + interval '8 hours', :points, 0,
           s, s + (:points - 1) * interval '5 seconds', now(), 12000.0, 28800.0,
           21000.0, 28000.0, 9000.0, 18000.0, 20.0, 150, '["1:2", "3:4"]', true, '[]', '[]', '{}', 1, now()
    FROM generate_series(:first, :last - 1) AS n,
         LATERAL (SELECT (:month0)::timestamptz - (:back_from + n % :days) * interval '1 day' AS s) AS start
"""
_POINTS = """
    INSERT INTO patrol_points (patrol_id, t, lat, lng, accuracy_m, altitude_m, speed_mps, heading, provider, mock, late)
    SELECT p.id, p.started_at + i * interval '5 seconds', :lat + 0.004 * sin(i / 300.0), :lng + 0.004 * cos(i / 300.0),
           8.0, 1250.0, 1.2, 90.0, 'gps', false, false
    FROM patrols p, generate_series(0, :points - 1) AS i
    WHERE p.id >= :low AND p.id < :high
"""


def add_patrols(app, prefix: str, first: int, last: int, grid_id: int, centre, month0: datetime, back_from: int,
                days: int) -> None:
    """Patrols number first..last-1 (ids prefix + number), a day's points each, started 08:00 CST `back_from` to
    `back_from + days - 1` days before month0 (the current month: back_from negative), in commits of 100 patrols."""
    with app.app_context():
        for low in range(first, last, 100):
            high = min(low + 100, last)
            db.session.execute(text(_PATROLS), {
                "prefix": prefix, "inspectors": INSPECTORS, "grid": grid_id, "points": POINTS_PER_PATROL,
                "first": low, "last": high, "month0": month0, "back_from": back_from, "days": days})
            db.session.execute(text(_POINTS), {"lat": centre[0], "lng": centre[1], "points": POINTS_PER_PATROL,
                                               "low": f"{prefix}{low:08d}", "high": f"{prefix}{high:08d}"})
            db.session.commit()
        db.session.execute(text("ANALYZE patrols"))
        db.session.execute(text("ANALYZE patrol_points"))
        db.session.commit()
        db.session.remove()


def vacuum(app) -> None:
    """VACUUM (ANALYZE) the filled store, as a store in steady state is: the hint bits set and the statistics read,
    so that no autovacuum of the rows just loaded runs during the measurements."""
    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) patrols"))
            conn.execute(text("VACUUM (ANALYZE) patrol_points"))
        db.session.remove()


def measure(app, client, headers, grid_id: int, t0: float, bodies: list[bytes], month: str,
            patrol_id: str) -> tuple[float, float, float]:
    """Seconds, one round: a day's track through the API; every inspector's figures of the month (median of 3); one
    patrol's track loaded from the store and computed (median of 3)."""
    ingest = upload_through_api(client, headers, grid_id, t0, bodies)[0]
    with app.app_context():
        monthly_figures(month)  # warm
        figures = statistics.median(timed(monthly_figures, month) for _ in range(3))
        patrol = db.session.get(Patrol, patrol_id)
        patrol_effort(patrol)  # warm
        track = statistics.median(timed(patrol_effort, patrol) for _ in range(3))
        db.session.remove()
    return ingest, figures, track


def fill(tmp: str, url: str, size: int, t0: float) -> tuple:
    """A store of `size` points: this month's patrols (what the month's figures read) and a year of history."""
    os.makedirs(tmp)
    app, headers, grid_id, _, centre = make_app(tmp, url)
    today = datetime.fromtimestamp(t0, CST)
    month0 = today.replace(day=1, hour=8, minute=0, second=0, microsecond=0)
    with app.app_context():
        db.session.execute(text(
            "INSERT INTO users (id, username, display_name, is_active, created_at) "
            "SELECT 1000 + n, 'bench-' || n, '网格员' || n, true, now() FROM generate_series(0, :k - 1) AS n"),
            {"k": INSPECTORS})
        partitions.ensure_months(db.session.connection(), (month0 - timedelta(days=400)).date(), month0.date())
        db.session.commit()
        db.session.remove()
    # this month: a patrol a day for each of the first days, for many inspectors: what the month's figures read
    current = INSPECTORS  # 576,000 points
    started = time.perf_counter()
    add_patrols(app, "c", 0, current, grid_id, centre, month0, -(today.day - 1), max(today.day - 1, 1))
    wanted = max(size // POINTS_PER_PATROL - current, 0)
    add_patrols(app, "h", 0, wanted, grid_id, centre, month0, 1, 365)
    vacuum(app)
    with app.app_context():
        stored = db.session.execute(text("SELECT count(*) FROM patrol_points")).scalar()
        db.session.remove()
    print(f"store filled to {stored:,} points ({current + wanted} patrols, {time.perf_counter() - started:.0f} s "
          "with VACUUM ANALYZE)", flush=True)
    return app, app.test_client(), headers, grid_id, month0.strftime("%Y-%m"), centre


def at_scale(tmp: str, urls: list[str], small: int, large: int, verdict: Verdict, rounds: int = 5) -> None:
    """Two stores, of `small` and of `large` points, filled once; then the same measurements on each, interleaved
    round by round (so that the machine's load falls on both alike), medians of the rounds."""
    t0 = utcnow().timestamp() - 2 * 86400
    stores = {size: fill(f"{tmp}/{size}", url, size, t0) for size, url in zip((small, large), urls, strict=True)}
    t0, _, bodies = day_track(stores[small][5])  # the same grid (reference data) in both stores: the same track
    results: dict[int, list[tuple[float, float, float]]] = {small: [], large: []}
    for _ in range(rounds):
        for size, (app, client, headers, grid_id, month, _) in stores.items():
            results[size].append(measure(app, client, headers, grid_id, t0, bodies, month, "c00000000"))
    medians = {size: tuple(statistics.median(r[i] for r in rounds_) for i in range(3))
               for size, rounds_ in results.items()}
    for size, (ingest, figures, track) in medians.items():
        print(f"  at {size:,}: ingest {POINTS_PER_PATROL / ingest:,.0f} points/s through the API; month figures "
              f"({INSPECTORS} inspectors) {figures * 1000:.1f} ms; one patrol's track loaded and computed "
              f"{track * 1000:.1f} ms (medians of {rounds} interleaved rounds)")
    (i1, f1, p1), (i2, f2, p2) = medians[small], medians[large]
    verdict.at_most(f"ingest time at {large:,} / at {small:,}", i2 / i1, 1.5)
    verdict.at_most(f"month figures at {large:,} / at {small:,}", f2 / f1, 1.5)
    verdict.at_most(f"a patrol's track at {large:,} / at {small:,}", p2 / p1, 1.5)


if __name__ == "__main__":
    main()
