"""Mixed-workload load benchmark against gunicorn + PostgreSQL + Redis, all on 127.0.0.1.

The bench creates a fresh PostgreSQL database (server from BENCH_DATABASE_URL or TEST_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1/test), builds the schema (migrations) and loads the reference data, makes the
staff accounts, starts a local WeChat stand-in, a private redis-server on a free port and gunicorn (gunicorn.conf.py,
WEB_CONCURRENCY workers) and drives it with client threads: first WARMUP seconds unmeasured (each worker builds its
geography index and pools), then DURATION seconds or MAX_REQUESTS requests, whichever comes first. Then it stops
gunicorn and its Redis and drops the database.

Clients: residents (sign in with a wx.login code, upload real JPEG photos, submit a report, read their reports),
supervisors (staff sign-in, list submitted and accepted cases, open one, accept or dispatch it with If-Match), and
inspectors (staff sign-in, start a patrol, send batches of 200 track points, finish). Every client calls
`/api/v1/health` between its steps: the baseline measured under the same load in the same run.

Printed per endpoint: requests, throughput (req/s), p50 and p99 latency (ms), error rate (responses other than the
expected ones; 409/412 races between supervisors are counted apart as conflicts), and p50/p99 as a ratio of health's.

    .venv/bin/python bench/load.py [--duration 60] [--clients 8] [--workers N] [--max-requests 20000]
"""
import argparse
import io
import itertools
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import requests  # noqa: E402
from PIL import Image  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.support.redis_server import private_redis  # noqa: E402
from tests.support.wechat_stub import WeChatStub  # noqa: E402

NINGSHAN = (33.3125, 108.3140)  # 宁陕县城, WGS-84: reports are spread around it, the patrol grid holds it
PASSWORD = "load-bench-password-0123"
SECRETS = {"SECRET_KEY": "load-secret-" + "x" * 40, "JWT_SECRET_KEY": "load-jwt-" + "y" * 40,
           "CONTACT_ENCRYPTION_KEYS": "bG9hZC1jb250YWN0LWtleS0wMTIzNDU2Nzg5YWJjZGU=",
           "PAYEE_INDEX_KEYS": "load-payee-index-key-0123456789abcdef0123"}  # production: a Fernet key
LIMITS = {name: "1000000/minute" for name in ("RATELIMIT_LOGIN", "RATELIMIT_UPLOADS", "RATELIMIT_REPORT_SUBMIT",
                                              "RATELIMIT_REPORT_SUBMIT_IP", "RATELIMIT_PATROL_POINTS")}


# ---- set-up and tear-down ----

def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_database() -> tuple[str, object]:
    """A fresh database on the server; its URL and an admin engine to drop it with."""
    base = make_url(os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
                    or "postgresql+psycopg://postgres@127.0.0.1/test")
    name = f"reporter_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return base.set(database=name).render_as_string(hide_password=False), admin


def drop_database(url: str, admin) -> None:
    """Drop the bench's database (closing whatever is still connected)."""
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def prepare(env: dict, supervisors: int, inspectors: int) -> None:
    """Migrations, `flask reference load`, and the staff accounts (inspectors assigned to 宁陕县城's grid)."""
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi.py"]
    for args in (["db", "upgrade", "heads"], ["reference", "load"]):
        subprocess.run(flask + args, cwd=ROOT, env=env, check=True, capture_output=True)
    os.environ.update({k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"})
    from reporter import create_app
    from reporter.accounts.services import create_user
    from reporter.extensions import db
    from reporter.geo.services import assign_inspector, locate

    app = create_app()
    with app.app_context():
        grid_id = locate(*NINGSHAN).grid_id
        for n in range(supervisors):
            create_user(f"sup{n}", PASSWORD, ["supervisor"], unit_code="city.qinling_office")
        for n in range(inspectors):
            assign_inspector(grid_id, create_user(f"insp{n}", PASSWORD, ["inspector"]).id)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    env["BENCH_GRID_ID"] = str(grid_id)


def start_gunicorn(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    """gunicorn with the project's gunicorn.conf.py; waits until /api/v1/ready answers 200."""
    log = open(log_path, "wb")
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                            env={**env, "HOST": "127.0.0.1", "PORT": str(port)}, stdout=log, stderr=log,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}; see {log_path}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/ready", timeout=10).status_code == 200:
                return proc
        except requests.RequestException:  # not listening yet, or the workers are still starting
            pass
        time.sleep(0.3)
    stop(proc)
    raise RuntimeError("gunicorn did not become ready within 60 s")


def stop(proc: subprocess.Popen) -> None:
    """Stop gunicorn (the arbiter and its workers) gracefully, then for good."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def photos(count: int, size=(1600, 1200)) -> list[bytes]:
    """Real JPEGs (2 megapixels, camera-like texture and gradients), each different."""
    rng = np.random.default_rng(7)
    out = []
    for _ in range(count):
        small = rng.integers(0, 256, (size[1] // 40, size[0] // 40, 3), dtype=np.uint8)
        im = Image.fromarray(small, "RGB").resize(size, Image.BICUBIC)
        noise = rng.normal(0, 6, (size[1], size[0], 3))
        im = Image.fromarray(np.clip(np.asarray(im) + noise, 0, 255).astype(np.uint8), "RGB")
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=88)
        out.append(buf.getvalue())
    return out


# ---- measuring ----

class Stats:
    """Latencies and outcomes per endpoint, shared by the client threads."""

    def __init__(self, max_requests: int, deadline: float):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)
        self.errors = defaultdict(int)
        self.conflicts = defaultdict(int)
        self.statuses = defaultdict(lambda: defaultdict(int))
        self.count = 0
        self.max_requests = max_requests
        self.deadline = deadline

    def done(self) -> bool:
        return self.count >= self.max_requests or time.monotonic() >= self.deadline

    def call(self, session: requests.Session, name: str, method: str, url: str, ok=(200,), conflict=(), **kw):
        """One timed request; the response, or None when it failed at the transport."""
        started = time.perf_counter()
        try:
            resp = session.request(method, url, timeout=30, **kw)
            status = resp.status_code
        except requests.RequestException:
            resp, status = None, "transport"
        elapsed = time.perf_counter() - started
        with self.lock:
            self.count += 1
            self.latency[name].append(elapsed)
            self.statuses[name][status] += 1
            if status in conflict:
                self.conflicts[name] += 1
            elif status not in ok:
                self.errors[name] += 1
        return resp


# ---- the clients ----

class Client:
    """One client thread: a requests session, the server's base URL, the shared stats."""

    def __init__(self, base: str, stats: Stats, rng: random.Random):
        self.base, self.stats, self.rng = base, stats, rng
        self.http = requests.Session()
        self.headers: dict = {}

    def call(self, name, method, path, **kw):
        headers = {**self.headers, **kw.pop("headers", {})}
        return self.stats.call(self.http, name, method, self.base + path, headers=headers, **kw)

    def health(self):
        self.call("GET /health", "GET", "/api/v1/health")

    def staff_login(self, username: str) -> bool:
        resp = self.call("POST /auth/login", "POST", "/api/v1/auth/login",
                         json={"username": username, "password": PASSWORD})
        if resp is None or resp.status_code != 200:
            return False
        self.headers = {"Authorization": f"Bearer {resp.json()['access_token']}"}
        return True


class Resident(Client):
    """Signs in through WeChat, uploads photos, submits a report, reads their list."""

    codes = itertools.count()
    code_lock = threading.Lock()

    def __init__(self, base, stats, rng, wechat: WeChatStub, jpegs: list[bytes]):
        super().__init__(base, stats, rng)
        self.wechat, self.jpegs = wechat, jpegs

    def round(self):
        with self.code_lock:
            code = f"load-code-{next(self.codes)}"
        self.wechat.login_code(code, f"load-openid-{self.rng.randrange(300)}")
        resp = self.call("POST /auth/wechat", "POST", "/api/v1/auth/wechat", json={"code": code})
        if resp is None or resp.status_code != 200:
            return
        self.headers = {"Authorization": f"Bearer {resp.json()['access_token']}"}
        self.health()
        ids = []
        for _ in range(self.rng.choice((1, 1, 2))):
            resp = self.call("POST /uploads", "POST", "/api/v1/uploads", ok=(201,), data={"purpose": "report"},
                             files={"file": ("photo.jpg", self.rng.choice(self.jpegs), "image/jpeg")})
            if resp is not None and resp.status_code == 201:
                ids.append(resp.json()["id"])
        if not ids:
            return
        self.health()
        lat = NINGSHAN[0] + self.rng.uniform(-0.04, 0.04)
        lng = NINGSHAN[1] + self.rng.uniform(-0.04, 0.04)
        body = {"category": self.rng.choice(("illegal_logging", "river_sand", "sewage_outfall", "wildlife")),
                "description": "山上有人在砍伐树木，已经砍倒好几棵", "photo_ids": ids,
                "location": {"lat": lat, "lng": lng, "address": "宁陕县城关镇"}, "anonymous": False,
                "wants_reward": True, "contact": {"name": "张三", "phone": "13800138000"}}
        self.call("POST /reports", "POST", "/api/v1/reports", ok=(201,), json=body,
                  headers={"Idempotency-Key": uuid.uuid4().hex})
        self.health()
        self.call("GET /reports/mine", "GET", "/api/v1/reports/mine")


class Supervisor(Client):
    """Signs in with a password, lists cases, opens one and accepts or dispatches it."""

    def __init__(self, base, stats, rng, username: str):
        super().__init__(base, stats, rng)
        self.username = username
        self.rounds = 0

    def round(self):
        if self.rounds % 10 == 0 and not self.staff_login(self.username):
            return
        self.rounds += 1
        self.health()
        state, action = self.rng.choice((("submitted", "accept"), ("accepted", "dispatch")))
        resp = self.call("GET /cases", "GET", "/api/v1/cases", params={"status": state, "page_size": 20})
        items = resp.json()["items"] if resp is not None and resp.status_code == 200 else []
        if not items:
            return
        case_id = self.rng.choice(items)["id"]
        detail = self.call("GET /cases/{id}", "GET", f"/api/v1/cases/{case_id}")
        if detail is None or detail.status_code != 200:
            return
        self.health()
        self.call(f"POST /cases/{{id}}/actions {action}", "POST", f"/api/v1/cases/{case_id}/actions",
                  json={"action": action}, headers={"If-Match": detail.headers["ETag"]}, conflict=(409, 412))


class Inspector(Client):
    """Signs in with a password, starts a patrol, sends track batches of 200 points, finishes."""

    def __init__(self, base, stats, rng, username: str, grid_id: int):
        super().__init__(base, stats, rng)
        self.username, self.grid_id = username, grid_id

    def round(self):
        if not self.staff_login(self.username):
            return
        patrol_id = str(uuid.uuid4())
        start = datetime.now(UTC) - timedelta(hours=3)
        resp = self.call("POST /patrols", "POST", "/api/v1/patrols", ok=(201,),
                         json={"id": patrol_id, "grid_id": self.grid_id, "started_at": start.isoformat()})
        if resp is None or resp.status_code != 201:
            return
        lat, lng, t = NINGSHAN[0], NINGSHAN[1], start
        for _ in range(4):
            self.health()
            points = []
            for _ in range(200):
                t += timedelta(seconds=5)
                lat += self.rng.uniform(-0.00003, 0.00006)
                lng += self.rng.uniform(-0.00003, 0.00006)
                points.append({"t": t.isoformat(), "lat": lat, "lng": lng, "accuracy_m": 8, "coord_system": "wgs84"})
            self.call("POST /patrols/{id}/points", "POST", f"/api/v1/patrols/{patrol_id}/points",
                      json={"points": points})
        self.call("POST /patrols/{id}/finish", "POST", f"/api/v1/patrols/{patrol_id}/finish",
                  json={"ended_at": (t + timedelta(seconds=5)).isoformat()})


def run_phase(clients: list[Client], stats: Stats) -> None:
    """Every client in its own thread, doing rounds until the time or the request budget of `stats` runs out."""
    def drive(client):
        client.stats = stats
        while not stats.done():
            client.round()

    threads = [threading.Thread(target=drive, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


# ---- report ----

def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(stats: Stats, seconds: float) -> None:
    """The table: per endpoint throughput, p50/p99, error rate, ratios against health."""
    base50 = percentile(stats.latency["GET /health"], 0.5)
    base99 = percentile(stats.latency["GET /health"], 0.99)
    print(f"\n{'endpoint':40} {'n':>6} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'err %':>6} {'confl':>6} "
          f"{'p50/health':>10} {'p99/health':>10}")
    for name in sorted(stats.latency, key=lambda n: (n != "GET /health", n)):
        values = stats.latency[name]
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        print(f"{name:40} {len(values):6d} {len(values) / seconds:7.1f} {p50 * 1000:8.1f} {p99 * 1000:8.1f} "
              f"{100 * stats.errors[name] / len(values):6.2f} {stats.conflicts[name]:6d} "
              f"{p50 / base50:10.1f} {p99 / base99:10.1f}")
    total = sum(len(v) for v in stats.latency.values())
    errors = sum(stats.errors.values())
    print(f"\n{total} requests in {seconds:.1f} s = {total / seconds:.1f} req/s; errors {errors} "
          f"({100 * errors / max(total, 1):.2f} %)")
    for name, counts in sorted(stats.statuses.items()):
        if stats.errors[name]:
            print(f"  {name}: statuses {dict(counts)}")


def scrape(base: str) -> None:
    """What /metrics says after the run (the operator's view of the same load)."""
    text_ = requests.get(base + "/metrics", timeout=10).text
    series = [line for line in text_.splitlines() if line.startswith("reporter_http_requests_total{")]
    gauges = [line for line in text_.splitlines()
              if line.startswith(("reporter_outbox_messages", "reporter_cases_overdue"))]
    print(f"\n/metrics: {len(series)} request-count series; " + "; ".join(gauges))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (at most 180)")
    parser.add_argument("--clients", type=int, default=8, help="client threads (residents:supervisors:inspectors "
                                                                 "about 2:1:1)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of unmeasured load first (at most 30)")
    args = parser.parse_args()
    duration = min(args.duration, 180.0)
    with private_redis() as redis_url:  # the run's own redis-server: nothing shared, nothing flushed
        run(args, duration, redis_url)


def run(args, duration: float, redis_url: str) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="reporter-load-"))
    wechat = WeChatStub().start()
    db_url, admin = create_database()
    proc = None
    try:
        (tmp / "prometheus").mkdir()
        env = {**os.environ, **SECRETS, **LIMITS, "DATABASE_URL": db_url, "REDIS_URL": redis_url,
               "UPLOAD_ROOT": str(tmp / "uploads"), "WECHAT_API_BASE": wechat.base_url, "WECHAT_APPID": "wx-load",
               "WECHAT_SECRET": "wx-load-secret", "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prometheus"),
               "REPORTER_INSTANCE": str(tmp / "instance"), "REPORTER_ENV": "production", "LOG_LEVEL": "warning"}
        if args.workers:
            env["WEB_CONCURRENCY"] = str(args.workers)
        clients = max(args.clients, 4)
        n_sup, n_insp = clients // 4, clients // 4
        prepare(env, n_sup, n_insp)
        jpegs = photos(24)
        port = free_port()
        proc = start_gunicorn(env, port, tmp / "gunicorn.log")
        base = f"http://127.0.0.1:{port}"
        rng = random.Random(1)
        workers = ([Supervisor(base, None, random.Random(rng.random()), f"sup{n}") for n in range(n_sup)]
                   + [Inspector(base, None, random.Random(rng.random()), f"insp{n}", int(env["BENCH_GRID_ID"]))
                      for n in range(n_insp)]
                   + [Resident(base, None, random.Random(rng.random()), wechat, jpegs)
                      for _ in range(clients - n_sup - n_insp)])
        print(f"gunicorn on {base} ({env.get('WEB_CONCURRENCY') or 'default'} workers), PostgreSQL "
              f"{make_url(db_url).database}, Redis {redis_url}; {len(workers)} clients for {args.warmup:.0f} s "
              f"of warm-up, then {duration:.0f} s or {args.max_requests} requests; photos "
              f"{len(jpegs[0]) // 1024} KiB, 1600×1200")
        run_phase(workers, Stats(args.max_requests, time.monotonic() + min(args.warmup, 30.0)))
        stats = Stats(args.max_requests, time.monotonic() + duration)
        started = time.perf_counter()
        run_phase(workers, stats)
        report(stats, time.perf_counter() - started)
        scrape(base)
    finally:
        if proc is not None:
            stop(proc)
        wechat.stop()
        drop_database(db_url, admin)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
