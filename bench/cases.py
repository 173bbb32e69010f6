"""Case list benchmark, a check: with 200,000 generated cases, an officer's GET /api/v1/cases through the whole Flask
stack (auth, scoping, filters, count, page, JSON) against the same SQL the list needs written by hand (a count and a
page of whole case rows, on a pooled connection, the caller already known), in the same run, interleaved. Two lists:
filtered by the officer's unit and a status, and the officer's scope only (the cases their unit is among, a status);
pages 1 and 500 of each. Target: the API at least 0.6 of the hand-written SQL's rate on each; exits 1 on a miss.
Page 1 in any status sorted by deadline is also timed against the same page newest first, through the API, for the
officer's two lists and the city supervisor's whole city: at most 1.5× (the deadline order is read from its index).
A further figure, printed only: the signed-in floor, the hand-written SQL itself served behind the same sign-in (a
bench-only route with the list's role check, answering only the total and the page's ids by Flask's jsonify; no
arguments, schemas or ORM): the rate no endpoint of this stack that checks the caller's session can pass.
Each request runs in its own app context, as under gunicorn: its session checks a connection out of the pool (pinged)
and returns it rolled back, as the hand-written side's `engine.connect()` does; nothing stays in an identity map.

Uses a fresh PostgreSQL database created next to BENCH_DATABASE_URL (default
postgresql+psycopg://postgres@127.0.0.1/test) and dropped at the end; `--sqlite` uses a temporary SQLite file.
Rows are bulk-loaded (COPY on PostgreSQL, Core executemany on SQLite), not timed.

    .venv/bin/python bench/cases.py [--sqlite] [--cases 200000] [--repeat 30]
"""
import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import jsonify, request  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.verdict import Verdict  # noqa: E402
from reporter import create_app  # noqa: E402
from reporter.accounts.models import AuthSession, User, UserRole  # noqa: E402
from reporter.accounts.security import roles_required  # noqa: E402
from reporter.accounts.tokens import issue_tokens  # noqa: E402
from reporter.cases.models import Case, CaseUnit  # noqa: E402
from reporter.cases.scope import CASE_READER_ROLES  # noqa: E402
from reporter.extensions import db  # noqa: E402
from reporter.geo.models import County  # noqa: E402
from reporter.org.models import Unit  # noqa: E402
from reporter.reference import load_all  # noqa: E402
from reporter.routing.models import Category  # noqa: E402

OFFICER_UNIT = "610923.forestry"
CITY_OFFICE = "city.qinling_office"
STATES = [("in_progress", 40), ("dispatched", 10), ("pending_verification", 10), ("closed", 30), ("submitted", 5),
          ("accepted", 3), ("rejected", 2)]
COLUMNS = ["id", "source", "category", "description", "lat", "lng", "address", "county_adcode", "zone", "routing",
           "routed_unit_id", "current_unit_id", "state", "due_on", "handle_due", "extension_used", "rework_count",
           "return_count", "reopen_count", "version", "created_at", "updated_at"]


@contextmanager
def database(use_sqlite: bool):
    """A fresh database URL, removed afterwards."""
    if use_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    base = make_url(os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/test"))
    name = f"reporter_bench_cases_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def generate(n: int, unit_ids: list[int], officer_unit: int, categories: list[str], counties: list[str]):
    """Case rows and their lead/cooperating unit rows: 30 % of the cases belong to the officer's unit."""
    rng = random.Random(20260101)
    states = [s for s, weight in STATES for _ in range(weight)]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    cases, links = [], []
    for case_id in range(1, n + 1):
        unit = officer_unit if rng.random() < 0.3 else rng.choice(unit_ids)
        state = rng.choice(states)
        created = start + timedelta(seconds=rng.randrange(0, 700 * 86400))
        due = (created + timedelta(days=rng.randrange(1, 30))).date() if state != "closed" else None
        cases.append({
            "id": case_id, "source": rng.choice(("citizen_report", "patrol", "video")),
            "category": rng.choice(categories), "description": f"生成的案件 {case_id}",
            "lat": 32.6 + rng.random() * 1.0, "lng": 108.4 + rng.random() * 1.2, "address": None,
            "county_adcode": rng.choice(counties), "zone": rng.choice((None, "general", "key", "core")),
            "routing": {}, "routed_unit_id": unit, "current_unit_id": unit if state not in ("submitted", "accepted",
                                                                                           "rejected") else None,
            "state": state, "due_on": due, "handle_due": due, "extension_used": False, "rework_count": 0,
            "return_count": 0, "reopen_count": 0, "version": 1, "created_at": created, "updated_at": created,
        })
        links.append({"case_id": case_id, "unit_id": unit, "relation": "lead"})
        other = rng.choice(unit_ids)
        if other != unit:
            links.append({"case_id": case_id, "unit_id": other, "relation": "cooperating"})
    return cases, links


def bulk_load(cases: list[dict], links: list[dict]) -> None:
    """COPY on PostgreSQL, Core executemany elsewhere."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:
                with cur.copy(f"COPY cases ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                    for row in cases:
                        copy.write_row([json.dumps(row[c]) if c == "routing" else row[c] for c in COLUMNS])
                with cur.copy("COPY case_units (case_id, unit_id, relation) FROM STDIN") as copy:
                    for row in links:
                        copy.write_row([row["case_id"], row["unit_id"], row["relation"]])
                cur.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
            raw.commit()
        finally:
            raw.close()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE cases"))
            conn.execute(text("VACUUM ANALYZE case_units"))
        return
    with engine.begin() as conn:
        for chunk in range(0, len(cases), 20_000):
            conn.execute(insert(Case.__table__), cases[chunk:chunk + 20_000])
        for chunk in range(0, len(links), 50_000):
            conn.execute(insert(CaseUnit.__table__), links[chunk:chunk + 50_000])
        conn.execute(text("ANALYZE"))


def make_app(url: str, tmp: str):
    app = create_app({
        "INSTANCE_PATH": tmp, "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_ROOT": f"{tmp}/uploads",
        "RATELIMIT_ENABLED": False, "ACCESS_LOG": False,
        "SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
        "JWT_SECRET_KEY": "bench-jwt-secret-0123456789abcdef0123456789",
        "CONTACT_ENCRYPTION_KEYS": "bench-contact-key", "PAYEE_INDEX_KEYS": "bench-payee-index-key",
    })

    @app.get("/bench/floor")  # this benchmark's app only: the hand-written SQL behind the list's sign-in
    @roles_required(*CASE_READER_ROLES)
    def floor():
        where = LISTS[int(request.args["list"])][2]
        total, rows = hand_written(db.session.connection(), where, int(request.args["unit"]),
                                   int(request.args["page"]))
        return jsonify(total=total, ids=[row.id for row in rows])  # the least a page can answer

    return app


def prepare(app, n: int) -> tuple[int, dict, dict]:
    """Schema, reference data, an officer and the city Qinling office's supervisor with their tokens, and n cases.
    Returns (the officer's unit id, the officer's headers, the supervisor's headers)."""
    with app.app_context():
        upgrade(revision="heads")
        load_all()
        unit_id = db.session.execute(select(Unit.id).where(Unit.code == OFFICER_UNIT)).scalar_one()
        city_office = db.session.execute(select(Unit.id).where(Unit.code == CITY_OFFICE)).scalar_one()
        headers = []
        for username, unit, role in (("bench-officer", unit_id, "officer"), ("bench-city", city_office, "supervisor")):
            user = User(username=username, display_name=username, unit_id=unit, role_rows=[UserRole(role=role)])
            db.session.add(user)
            db.session.flush()
            session = AuthSession(user_id=user.id, method="password")
            db.session.add(session)
            db.session.flush()
            headers.append({"Authorization": f"Bearer {issue_tokens(user, session, fresh=False)['access_token']}"})
        db.session.commit()
        unit_ids = list(db.session.execute(select(Unit.id)).scalars())
        categories = list(db.session.execute(select(Category.code)).scalars())
        counties = list(db.session.execute(select(County.adcode)).scalars())
        started = time.perf_counter()
        cases, links = generate(n, unit_ids, unit_id, categories, counties)
        bulk_load(cases, links)
        print(f"generated and loaded {n:,} cases and {len(links):,} unit links in "
              f"{time.perf_counter() - started:.1f} s (not timed below)", flush=True)
        db.session.remove()
    return unit_id, headers[0], headers[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30)
    opts = parser.parse_args()
    with database(opts.sqlite) as url, tempfile.TemporaryDirectory() as tmp:
        app = make_app(url, tmp)
        unit_id, headers, city_headers = prepare(app, opts.cases)
        client = app.test_client()
        verdict = Verdict("cases")
        print(f"database: {url.split(':')[0]}; officer of {OFFICER_UNIT} (unit {unit_id}), status=in_progress")
        for label, query, where in LISTS:
            for page in (1, 500):
                api_rps, sql_rps, floor_rps, total = compare(app, client, headers, unit_id, query, where, page,
                                                             opts.repeat)
                print(f"{label}, page {page:>3} of {total:,} matching: GET /api/v1/cases {api_rps:7.1f} requests/s "
                      f"(median {1000 / api_rps:6.1f} ms) | hand-written SQL {sql_rps:7.1f}/s "
                      f"(median {1000 / sql_rps:6.1f} ms) | the same SQL behind sign-in {floor_rps:7.1f}/s "
                      f"(median {1000 / floor_rps:6.1f} ms, {floor_rps / sql_rps:.3f} of the SQL: the signed-in floor)")
                verdict.at_least(f"{label} page {page}: API / hand-written SQL", api_rps / sql_rps, 0.6)
        for label, who, params in (("unit-filtered", headers, {"unit": str(unit_id)}), ("scope only", headers, {}),
                                   ("the city supervisor's whole city", city_headers, {})):
            newest, deadline = compare_sorts(client, who, params, opts.repeat)
            print(f"{label}, any status, page 1 sorted by deadline: {1000 / deadline:6.1f} ms against "
                  f"{1000 / newest:6.1f} ms newest first (medians)")
            verdict.at_most(f"{label}, any status, page 1: by deadline / newest first", newest / deadline, 1.5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        verdict.exit()


# (label, API query, the WHERE clause the list needs): the unit filter needs no scope (an officer sees all their
# unit handles); the scope-only list is the cases their unit is among.
LISTS = [
    ("unit-filtered", {"status": "in_progress"}, "current_unit_id = :unit AND state = 'in_progress'"),
    ("scope only", {"status": "in_progress"},
     "id IN (SELECT case_id FROM case_units WHERE unit_id = :unit) AND state = 'in_progress'"),
]


def hand_written(conn, where: str, unit_id: int, page: int) -> tuple[int, list]:
    """The list's two statements by hand: the count, and the page of whole rows, newest first."""
    total = conn.execute(text(f"SELECT count(*) FROM cases WHERE {where}"), {"unit": unit_id}).scalar()  # noqa: S608
    rows = conn.execute(text(f"SELECT * FROM cases WHERE {where} ORDER BY created_at DESC, id DESC "  # noqa: S608
                             "LIMIT 20 OFFSET :skip"), {"unit": unit_id, "skip": (page - 1) * 20}).all()
    return total, rows


def compare_sorts(client, headers, params, repeat) -> tuple[float, float]:
    """Requests per second of the API's page 1 in any status newest first and by deadline (medians, interleaved):
    the deadline order (`due_on` then id) is read from its index, not sorted over the whole list. (With one status
    the (state, due_on) index serves already.)"""
    times: dict[str, list[float]] = {"newest": [], "deadline": []}
    for _ in range(repeat + 1):
        for sort, bucket in times.items():
            began = time.perf_counter()
            resp = client.get("/api/v1/cases", query_string={**params, "sort": sort, "page_size": 20}, headers=headers)
            bucket.append(time.perf_counter() - began)
            assert resp.status_code == 200, resp.get_json()
    return tuple(1 / statistics.median(bucket[1:]) for bucket in times.values())  # the first: warm-up


def compare(app, client, headers, unit_id, query, where, page, repeat) -> tuple[float, float, float, int]:
    """Requests per second of the API, of the hand-written SQL and of that SQL behind sign-in (medians,
    interleaved), and the total. A page past the end (a small --cases) is taken as the last page."""
    with app.app_context(), db.engine.connect() as conn:
        total = hand_written(conn, where, unit_id, 1)[0]
    page = min(page, max(1, -(-total // 20)))
    params = {**query, "page": page, "page_size": 20}
    if where.startswith("current_unit_id"):
        params["unit"] = str(unit_id)

    with app.app_context():
        engine = db.engine

    def api():
        # No app context held around the request: each request has its own, as under gunicorn (its session checks
        # a connection out, pinged, and returns it rolled back; nothing is kept in an identity map between requests).
        resp = client.get("/api/v1/cases", query_string=params, headers=headers)
        assert resp.status_code == 200, resp.get_json()
        return resp  # the body as sent: a client's parsing of it is not the server's work (nor the SQL side's)

    def sql():
        with engine.connect() as conn:  # the same pool: checked out, pinged, returned rolled back
            return hand_written(conn, where, unit_id, page)

    floor_params = {"list": [w for _, _, w in LISTS].index(where), "unit": unit_id, "page": page}

    def floor():
        resp = client.get("/bench/floor", query_string=floor_params, headers=headers)
        assert resp.status_code == 200, resp.get_json()
        return resp

    body, (total, rows), floor_body = api().get_json(), sql(), floor().get_json()  # warm-up; the same answer
    assert [c["id"] for c in body["items"]] == [r.id for r in rows] == floor_body["ids"] \
        and rows, (body["total"], total)
    assert body["total"] == total == floor_body["total"]
    times: tuple[list[float], list[float], list[float]] = ([], [], [])
    for _ in range(repeat):
        for fn, bucket in ((api, times[0]), (sql, times[1]), (floor, times[2])):
            began = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - began)
    return (*(1 / statistics.median(bucket) for bucket in times), total)


if __name__ == "__main__":
    main()
