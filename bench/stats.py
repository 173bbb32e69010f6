"""Monthly bulletin benchmark: `GET /api/v1/stats/monthly` end to end (a signed-in city supervisor, serialisation
included), warm, for the month not yet over (computed live) and for the month before it (a finished month: stored
once computed), over 200,000 generated cases (with their events) and 2,000 inspectors' patrols, against one SQL
aggregate counting the month's cases per county and state, measured in the same run, interleaved. Median of
`--repeat` (at least 7) requests after one untimed warm-up. Exits 1 when a ratio misses its target (<= 20x).

Uses a fresh PostgreSQL database created next to BENCH_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1/test) and dropped at the end. Rows are bulk-loaded with COPY, not timed.
The data ends today: the current month (CST) is the live one, MONTH (the month before) the finished one.

    .venv/bin/python bench/stats.py [--cases 200000] [--inspectors 2000] [--repeat 9] [--profile FILE]
"""
import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from bench.cases import database, make_app  # noqa: E402
from bench.verdict import Verdict  # noqa: E402
from reporter.accounts.models import AuthSession, User, UserRole  # noqa: E402
from reporter.accounts.tokens import issue_tokens  # noqa: E402
from reporter.common.timeutil import CST  # noqa: E402
from reporter.extensions import db  # noqa: E402
from reporter.geo.models import County, Grid  # noqa: E402
from reporter.org.models import Unit  # noqa: E402
from reporter.reference import load_all  # noqa: E402
from reporter.routing.models import Category  # noqa: E402
from reporter.stats.bulletin import bulletin, case_counts_baseline, month_of  # noqa: E402
from reporter.stats.schemas import BulletinOut  # noqa: E402

NOW = datetime.now(CST)
CURRENT = f"{NOW.year:04d}-{NOW.month:02d}"  # not over yet: computed live
_last = NOW.date().replace(day=1) - timedelta(days=1)
MONTH = f"{_last.year:04d}-{_last.month:02d}"  # finished: stored once computed
START = datetime.combine(month_of(CURRENT).first - timedelta(days=395), datetime.min.time(), CST).astimezone(UTC)
TARGET = 20  # the endpoint, at most this many times the aggregate
PATH = [("open", None, "submitted"), ("accept", "submitted", "accepted"), ("dispatch", "accepted", "dispatched"),
        ("sign", "dispatched", "in_progress"), ("submit_result", "in_progress", "pending_verification"),
        ("verify", "pending_verification", "verified"), ("close", "verified", "closed")]
FINAL = [(7, 70), (4, 8), (5, 6), (3, 6), (2, 4), (1, 3)]  # how far along the path (number of events), weight
CASE_COLUMNS = ["id", "source", "category", "description", "lat", "lng", "county_adcode", "routing", "routed_unit_id",
                "current_unit_id", "state", "finding", "extension_used", "rework_count", "return_count",
                "reopen_count", "version", "created_at", "updated_at", "closed_at", "last_event_at"]
EVENT_COLUMNS = ["case_id", "seq", "action", "actor_role", "at", "from_state", "to_state", "data"]
PATROL_COLUMNS = ["id", "inspector_id", "grid_id", "started_at", "ended_at", "day", "finished", "point_count",
                  "late_points", "distance_m", "duration_s", "moving_s", "counted_s", "in_grid_distance_m", "in_grid_s",
                  "coverage_pct", "cell_count", "visited_cells", "counts_as_patrol_day", "reasons", "flags",
                  "explanation", "version", "created_at"]
DAYS = {"accept": 2, "sign": 1, "handle": 15, "verify": 5}


def generate_cases(n: int, units: list[int], categories: list[str], counties: list[str]):
    """Cases opened over the 13 months up to now and their events along the workflow, by COPY rows."""
    rng = random.Random(20261001)
    lengths = [k for k, weight in FINAL for _ in range(weight)]
    start, span = START, int((NOW - START).total_seconds())
    routing = json.dumps({"deadline_days": DAYS})
    for case_id in range(1, n + 1):
        unit = rng.choice(units)
        created = start + timedelta(seconds=rng.randrange(0, span))
        length = rng.choice(lengths)
        at, events = created, []
        for seq, (action, from_state, to_state) in enumerate(PATH[:length], start=1):
            if seq > 1:
                at = at + timedelta(hours=rng.randrange(2, 24 * 6))
            data = {"unit_id": unit} if action == "dispatch" else {"finding": "true"} if action == "submit_result" \
                else {}
            events.append([case_id, seq, action, "supervisor", at, from_state, to_state, json.dumps(data)])
        if length == 1 and rng.random() < 0.3:  # some are rejected at once
            at = at + timedelta(hours=5)
            events.append([case_id, 2, "reject", "supervisor", at, "submitted", "rejected",
                           json.dumps({"reason_code": "insufficient"})])
        state = events[-1][6]
        case = [case_id, rng.choice(("citizen_report", "patrol", "video")), rng.choice(categories), "生成的案件",
                32.6 + rng.random(), 108.4 + rng.random() * 1.2, rng.choice(counties), routing, unit,
                unit if length >= 3 else None, state, "true" if length >= 5 else None, False, 0, 0, 0, len(events),
                created, at, at if state == "closed" else None, at]
        yield case, events


def generate_patrols(inspectors: list[int], grids: list[int]):
    """About ten finished patrols per inspector in the finished month and in the current one (up to today), with their
    effort summaries."""
    rng = random.Random(20261002)
    days = [d for label in (MONTH, CURRENT) for d in _days(month_of(label)) if d <= NOW.date()]
    for inspector in inspectors:
        grid = rng.choice(grids)
        for day in rng.sample(days, min(20, len(days))):
            started = datetime.combine(day, datetime.min.time(), CST) + timedelta(hours=8,
                                                                                   minutes=rng.randrange(0, 120))
            duration = rng.randrange(1800, 5 * 3600)
            distance = rng.uniform(1000, 9000)
            yield [str(uuid.uuid4()), inspector, grid, started, started + timedelta(seconds=duration), started.date(),
                   True, 200, 0, distance, duration, duration * 0.8, duration * 0.8, distance * 0.9, duration * 0.85,
                   rng.uniform(5, 40), 400, json.dumps([f"c{rng.randrange(400)}" for _ in range(20)]),
                   distance > 3000 and duration > 3600, "[]",
                   json.dumps([{"code": "jump"}] if rng.random() < 0.05 else []), "{}", 1, started]


def _days(month) -> list:
    return [month.first + timedelta(days=i) for i in range((month.following - month.first).days)]


def copy_rows(cur, table: str, columns: list[str], rows) -> int:
    count = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def prepare(app, n_cases: int, n_inspectors: int) -> dict:
    """Schema, reference data, the inspectors, the cases with their events and the patrols (COPY). Returns the
    headers of a signed-in city supervisor (the city Qinling office)."""
    with app.app_context():
        upgrade(revision="heads")
        load_all()
        units = list(db.session.execute(select(Unit.id)).scalars())
        categories = list(db.session.execute(select(Category.code)).scalars())
        counties = list(db.session.execute(select(County.adcode)).scalars())
        grids = list(db.session.execute(select(Grid.id)).scalars())
        people = [User(username=f"inspector{i}", display_name=f"网格员{i}", role_rows=[UserRole(role="inspector")])
                  for i in range(n_inspectors)]
        office = db.session.execute(select(Unit).where(Unit.code == "city.qinling_office")).scalar_one()
        supervisor = User(username="bench-supervisor", display_name="市秦岭办", unit_id=office.id,
                          role_rows=[UserRole(role="supervisor")])
        db.session.add_all([*people, supervisor])
        db.session.flush()
        session = AuthSession(user_id=supervisor.id, method="password")
        db.session.add(session)
        db.session.flush()
        headers = {"Authorization": f"Bearer {issue_tokens(supervisor, session, fresh=False)['access_token']}"}
        db.session.commit()
        inspectors = [p.id for p in people]
        began = time.perf_counter()
        raw = db.engine.raw_connection()
        try:
            with raw.cursor() as cur:
                cases = list(generate_cases(n_cases, units, categories, counties))
                copy_rows(cur, "cases", CASE_COLUMNS, (c for c, _ in cases))
                events = copy_rows(cur, "case_events", EVENT_COLUMNS, (e for _, evs in cases for e in evs))
                patrols = copy_rows(cur, "patrols", PATROL_COLUMNS, generate_patrols(inspectors, grids))
                cur.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
            raw.commit()
        finally:
            raw.close()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in ("cases", "case_events", "patrols"):
                conn.execute(text(f"VACUUM ANALYZE {table}"))
        print(f"loaded {n_cases:,} cases, {events:,} events, {patrols:,} patrols of {n_inspectors:,} inspectors in "
              f"{time.perf_counter() - began:.1f} s (not timed)", flush=True)
        db.session.remove()
    return headers


def timed(app, fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        with app.app_context():
            began = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - began)
            db.session.remove()
    return statistics.median(times), result


def interleaved(fns: dict, repeat: int) -> dict[str, float]:
    """Each function once untimed (warm-up), then `repeat` rounds of all of them in turn: the median per name."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn()
    for _ in range(repeat):
        for name, fn in fns.items():
            began = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - began)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--inspectors", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=9, help="timed requests per figure (at least 7)")
    parser.add_argument("--profile", help="also write a cProfile of one live request to this file")
    opts = parser.parse_args()
    repeat = max(7, opts.repeat)
    verdict = Verdict("stats")
    with database(False) as url, tempfile.TemporaryDirectory() as tmp:
        app = make_app(url, tmp)
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(hours=2)  # loading and timing take longer than 15 min
        headers = prepare(app, opts.cases, opts.inspectors)
        client = app.test_client()

        def endpoint(label: str):
            def get():
                resp = client.get("/api/v1/stats/monthly", query_string={"month": label}, headers=headers)
                assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
                return resp.get_json()
            return get

        def aggregate(label: str):
            def run():
                with app.app_context():
                    rows = case_counts_baseline(label)
                    db.session.remove()
                return rows
            return run

        for label in (CURRENT, MONTH):  # the endpoint and the aggregate agree on the cases received
            report, counts = endpoint(label)(), aggregate(label)()
            received = sum(row["received"] for row in report["counties"])
            assert received == sum(n for _, _, n in counts), f"{label}: the bulletin and the aggregate disagree"
            print(f"month {label}: {received:,} cases received, {sum(r['closed'] for r in report['counties']):,} "
                  f"closed, {len(report['units'])} units, {len(report['inspectors']):,} inspectors")
        with app.app_context():  # the stored past month is what a fresh computation gives
            stored = endpoint(MONTH)()
            fresh = json.loads(app.json.dumps(BulletinOut().dump(bulletin(MONTH, fresh=True))))
            assert stored == fresh, "the stored past month differs from a fresh computation"
            db.session.remove()
        if opts.profile:
            import cProfile
            cProfile.runctx("get()", {"get": endpoint(CURRENT)}, {}, opts.profile)
        medians = interleaved({"live": endpoint(CURRENT), "live aggregate": aggregate(CURRENT),
                               "past": endpoint(MONTH), "past aggregate": aggregate(MONTH)}, repeat)
        for label, key in ((CURRENT, "live"), (MONTH, "past")):
            print(f"{label} ({'current, computed live' if key == 'live' else 'finished, stored'}): "
                  f"GET /api/v1/stats/monthly median {medians[key] * 1000:8.1f} ms | SQL aggregate median "
                  f"{medians[key + ' aggregate'] * 1000:6.1f} ms (median of {repeat})")
        verdict.at_most(f"current month {CURRENT} (live) / one aggregate", medians["live"] / medians["live aggregate"],
                        TARGET)
        verdict.at_most(f"past month {MONTH} (stored) / one aggregate", medians["past"] / medians["past aggregate"],
                        TARGET)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    verdict.exit()


if __name__ == "__main__":
    main()
