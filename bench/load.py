"""Load benchmark against gunicorn + PostgreSQL + Redis, all on 127.0.0.1: an offered rate below saturation (p50 and
p99 per endpoint) and, separately, each endpoint's saturation throughput.

The bench creates a fresh PostgreSQL database (server from BENCH_DATABASE_URL or TEST_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1/test), builds the schema (migrations) and loads the reference data, makes the
staff accounts, starts a local WeChat stand-in, a private redis-server on a free port and gunicorn (gunicorn.conf.py,
WEB_CONCURRENCY workers). Then, with client threads:

1. warm-up, WARMUP seconds of the mixed workload, unmeasured (each worker builds its geography index and pools);
2. saturation of the mix: the mixed workload with no pause (closed loop) for DURATION seconds: its throughput;
3. offered rate: the same workload paced to LOAD (default 0.5) of that throughput, for DURATION seconds; p50 and p99
   latency per endpoint, and the rate actually delivered;
4. each endpoint alone, closed loop, PROBE seconds: its saturation throughput (set-up such as sign-in, a patrol, the
   photos a report names or the ETag an action needs is made before the clock starts).

Clients of the mix: residents (sign in with a wx.login code, upload real JPEG photos, submit a report, read their
reports), supervisors (staff sign-in, list submitted and accepted cases, open one, accept or dispatch it with
If-Match) and inspectors (staff sign-in, start a patrol, send batches of 200 track points, finish).

Checks (exit 1 on a miss): no errors (409/412 races between supervisors are conflicts, counted apart); the offered
rate delivered (at least 0.9 of it); every endpoint's p99 at the offered rate within P99_MS; every endpoint alone
at least as fast as it ran within the saturated mix.

    .venv/bin/python bench/load.py [--duration 30] [--clients 8] [--workers N] [--load 0.5] [--probe 8]
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

from bench.verdict import Verdict  # noqa: E402
from tests.support.redis_server import private_redis  # noqa: E402
from tests.support.wechat_stub import WeChatStub  # noqa: E402

NINGSHAN = (33.3125, 108.3140)  # 宁陕县城, WGS-84: reports are spread around it, the patrol grid holds it
PASSWORD = "load-bench-password-0123"
SECRETS = {"SECRET_KEY": "load-secret-" + "x" * 40, "JWT_SECRET_KEY": "load-jwt-" + "y" * 40,
           "CONTACT_ENCRYPTION_KEYS": "bG9hZC1jb250YWN0LWtleS0wMTIzNDU2Nzg5YWJjZGU=",
           "PAYEE_INDEX_KEYS": "load-payee-index-key-0123456789abcdef0123"}  # production: a Fernet key
P99_MS = 2000.0  # every endpoint's p99 at the offered rate (2-megapixel uploads included)
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
    """gunicorn with the project's gunicorn.conf.py; waits (up to 3 minutes) until /api/v1/ready answers 200."""
    log = open(log_path, "wb")
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                            env={**env, "HOST": "127.0.0.1", "PORT": str(port)}, stdout=log, stderr=log,
                            start_new_session=True)
    deadline = time.monotonic() + 180  # a busy machine starts workers slowly
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
    raise RuntimeError("gunicorn did not become ready within 180 s")


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
    """Latencies and outcomes per endpoint, shared by the client threads. With `interval` (seconds), each thread sends
    its requests on a schedule, one per interval (a late request does not push the schedule back: the next goes at
    once), so the clients together offer a fixed rate."""

    def __init__(self, max_requests: int, deadline: float, interval: float | None = None):
        self.interval = interval
        self.schedule = threading.local()
        self.sent: list[float] = []
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

    def pace(self) -> None:
        """Wait for this thread's next slot (paced runs only)."""
        if self.interval is None:
            return
        now = time.monotonic()
        slot = getattr(self.schedule, "next", None)
        if slot is None:  # threads start spread over one interval
            slot = now + random.random() * self.interval
        if slot > now:
            time.sleep(slot - now)
        self.schedule.next = slot + self.interval

    def call(self, session: requests.Session, name: str, method: str, url: str, ok=(200,), conflict=(), **kw):
        """One timed request; the response, or None when it failed at the transport."""
        self.pace()
        self.sent.append(time.monotonic())  # (list.append is atomic) when each request went out
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

    consented: set[str] = set()  # openids whose resident accepted the privacy notice (once, as in the app)

    def sign_in(self) -> bool:
        with self.code_lock:
            code = f"load-code-{next(self.codes)}"
        openid = f"load-openid-{self.rng.randrange(300)}"
        self.wechat.login_code(code, openid)
        resp = self.call("POST /auth/wechat", "POST", "/api/v1/auth/wechat", json={"code": code})
        if resp is None or resp.status_code != 200:
            return False
        self.headers = {"Authorization": f"Bearer {resp.json()['access_token']}"}
        if openid not in self.consented:  # the mini-program's first screen: the privacy notice in force, accepted
            notice = self.call("GET /privacy-notice", "GET", "/api/v1/privacy-notice")
            version = notice.json()["current"]["version"] if notice is not None and notice.status_code == 200 else 1
            accepted = self.call("POST /me/consents", "POST", "/api/v1/me/consents", ok=(200, 201),
                                 json={"version": version})
            if accepted is not None and accepted.status_code in (200, 201):
                with self.code_lock:
                    self.consented.add(openid)
        return True

    def upload(self) -> str | None:
        resp = self.call("POST /uploads", "POST", "/api/v1/uploads", ok=(201,), data={"purpose": "report"},
                         files={"file": ("photo.jpg", self.rng.choice(self.jpegs), "image/jpeg")})
        return resp.json()["id"] if resp is not None and resp.status_code == 201 else None

    def submit(self, ids: list[str]) -> None:
        lat = NINGSHAN[0] + self.rng.uniform(-0.04, 0.04)
        lng = NINGSHAN[1] + self.rng.uniform(-0.04, 0.04)
        body = {"category": self.rng.choice(("illegal_logging", "river_sand", "sewage_outfall", "wildlife")),
                "description": "山上有人在砍伐树木，已经砍倒好几棵", "photo_ids": ids,
                "location": {"lat": lat, "lng": lng, "address": "宁陕县城关镇"}, "anonymous": False,
                "wants_reward": True, "contact": {"name": "张三", "phone": "13800138000"}}
        self.call("POST /reports", "POST", "/api/v1/reports", ok=(201,), json=body,
                  headers={"Idempotency-Key": uuid.uuid4().hex})

    def round(self):
        if not self.sign_in():
            return
        ids = [i for i in (self.upload() for _ in range(self.rng.choice((1, 1, 2)))) if i]
        if not ids:
            return
        self.submit(ids)
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
        state, action = self.rng.choice((("submitted", "accept"), ("accepted", "dispatch")))
        resp = self.call("GET /cases", "GET", "/api/v1/cases", params={"status": state, "page_size": 20})
        items = resp.json()["items"] if resp is not None and resp.status_code == 200 else []
        if not items:
            return
        case_id = self.rng.choice(items)["id"]
        detail = self.call("GET /cases/{id}", "GET", f"/api/v1/cases/{case_id}")
        if detail is None or detail.status_code != 200:
            return
        self.call(f"POST /cases/{{id}}/actions {action}", "POST", f"/api/v1/cases/{case_id}/actions",
                  json={"action": action}, headers={"If-Match": detail.headers["ETag"]}, conflict=(409, 412))


class Inspector(Client):
    """Signs in with a password, starts a patrol, sends track batches of 200 points, finishes."""

    def __init__(self, base, stats, rng, username: str, grid_id: int):
        super().__init__(base, stats, rng)
        self.username, self.grid_id = username, grid_id
        self.lat, self.lng = NINGSHAN

    def start_patrol(self) -> tuple[str | None, datetime]:
        patrol_id, start = str(uuid.uuid4()), datetime.now(UTC) - timedelta(hours=3)
        resp = self.call("POST /patrols", "POST", "/api/v1/patrols", ok=(201,),
                         json={"id": patrol_id, "grid_id": self.grid_id, "started_at": start.isoformat()})
        return (patrol_id if resp is not None and resp.status_code == 201 else None), start

    def send_points(self, patrol_id: str, t: datetime) -> datetime:
        """One batch of 200 fixes, 5 s apart from `t`; the time of the last."""
        points = []
        for _ in range(200):
            t += timedelta(seconds=5)
            self.lat += self.rng.uniform(-0.00003, 0.00006)
            self.lng += self.rng.uniform(-0.00003, 0.00006)
            points.append({"t": t.isoformat(), "lat": self.lat, "lng": self.lng, "accuracy_m": 8,
                           "coord_system": "wgs84"})
        self.call("POST /patrols/{id}/points", "POST", f"/api/v1/patrols/{patrol_id}/points", json={"points": points})
        return t

    def round(self):
        if not self.staff_login(self.username):
            return
        patrol_id, t = self.start_patrol()
        if patrol_id is None:
            return
        for _ in range(4):
            t = self.send_points(patrol_id, t)
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


def report(stats: Stats, seconds: float, title: str) -> dict[str, tuple[float, float, float]]:
    """The table of a phase: per endpoint requests, throughput, p50/p99, error rate, conflicts. Returns
    endpoint → (req/s, p50 s, p99 s)."""
    print(f"\n{title}\n{'endpoint':40} {'n':>6} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'err %':>6} {'confl':>6}")
    out = {}
    for name in sorted(stats.latency):
        values = stats.latency[name]
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        out[name] = (len(values) / seconds, p50, p99)
        print(f"{name:40} {len(values):6d} {len(values) / seconds:7.1f} {p50 * 1000:8.1f} {p99 * 1000:8.1f} "
              f"{100 * stats.errors[name] / len(values):6.2f} {stats.conflicts[name]:6d}")
    total = sum(len(v) for v in stats.latency.values())
    errors = sum(stats.errors.values())
    print(f"{total} requests in {seconds:.1f} s = {total / seconds:.1f} req/s; errors {errors} "
          f"({100 * errors / max(total, 1):.2f} %)")
    for name, counts in sorted(stats.statuses.items()):
        if stats.errors[name]:
            print(f"  {name}: statuses {dict(counts)}")
    return out


# ---- each endpoint alone ----

def probe(name: str, clients: list[Client], setup, seconds: float) -> tuple[float, int]:
    """Each client set up untimed by `setup(client)`, which returns its step (one request of the endpoint; False
    when it has nothing left to send); then every client steps in a closed loop for `seconds`. The endpoint's
    throughput (successful requests per second) and its error count."""
    prep = Stats(10 ** 9, time.monotonic() + 3600)
    steps = []
    for client in clients:
        client.stats = prep
        steps.append(setup(client))
    stats = Stats(10 ** 9, time.monotonic() + seconds)

    def drive(client, step):
        client.stats = stats
        while not stats.done() and step() is not False:
            pass

    started = time.perf_counter()
    threads = [threading.Thread(target=drive, args=pair) for pair in zip(clients, steps, strict=True) if pair[1]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    done = len(stats.latency[name]) - stats.errors[name] - stats.conflicts[name]
    return done / elapsed, stats.errors[name]


def probes(base: str, wechat, jpegs, env: dict, threads: int, seconds: float) -> dict[str, tuple[float, int]]:
    """Every endpoint of the mix alone: endpoint → (saturation throughput, errors)."""
    rng = random.Random(2)
    grid_id = int(env["BENCH_GRID_ID"])

    def residents():
        return [Resident(base, None, random.Random(rng.random()), wechat, jpegs) for _ in range(threads)]

    def supervisors():
        return [Supervisor(base, None, random.Random(rng.random()), f"sup{n}") for n in range(threads)]

    def inspectors():
        return [Inspector(base, None, random.Random(rng.random()), f"insp{n}", grid_id) for n in range(threads)]

    def signed_in(client):
        return client.sign_in() if isinstance(client, Resident) else client.staff_login(client.username)

    def reports_setup(client):
        signed_in(client)
        pool = [i for i in (client.upload() for _ in range(int(seconds * 2) + 2)) if i]  # the photos it will name
        return lambda: bool(pool) and (client.submit([pool.pop()]) or True)

    def points_setup(client):
        signed_in(client)
        patrol_id, start = client.start_patrol()
        clock = [start]

        def step():
            clock[0] = client.send_points(patrol_id, clock[0])
        return step if patrol_id else None

    def cases_setup(client):
        signed_in(client)
        resp = client.call("GET /cases", "GET", "/api/v1/cases", params={"page_size": 20})
        ids = [c["id"] for c in resp.json()["items"]]
        return lambda: client.call("GET /cases/{id}", "GET", f"/api/v1/cases/{client.rng.choice(ids)}")

    submitted: list[int] = []

    def accept_setup(client):
        signed_in(client)
        mine = [submitted.pop() for _ in range(min(len(submitted), 200 // threads))]
        etags = []
        for case_id in mine:
            resp = client.call("GET /cases/{id}", "GET", f"/api/v1/cases/{case_id}")
            if resp is not None and resp.status_code == 200:
                etags.append((case_id, resp.headers["ETag"]))
        return lambda: bool(etags) and (client.call(
            "POST /cases/{id}/actions accept", "POST", f"/api/v1/cases/{etags[-1][0]}/actions",
            json={"action": "accept"}, headers={"If-Match": etags.pop()[1]}) or True)

    plan = [
        ("GET /health", supervisors, lambda c: lambda: c.health()),
        ("POST /auth/login", supervisors, lambda c: lambda: c.staff_login(c.username)),
        ("POST /auth/wechat", residents, lambda c: lambda: c.sign_in()),
        ("POST /uploads", residents, lambda c: signed_in(c) and c.upload),
        ("POST /reports", residents, reports_setup),
        ("GET /reports/mine", residents, lambda c: signed_in(c) and (
            lambda: c.call("GET /reports/mine", "GET", "/api/v1/reports/mine"))),
        ("GET /cases", supervisors, lambda c: signed_in(c) and (
            lambda: c.call("GET /cases", "GET", "/api/v1/cases", params={"status": "submitted", "page_size": 20}))),
        ("GET /cases/{id}", supervisors, cases_setup),
        ("POST /patrols/{id}/points", inspectors, points_setup),
        ("POST /cases/{id}/actions accept", supervisors, accept_setup),
    ]
    out = {}
    for name, make, setup in plan:
        if name == "POST /cases/{id}/actions accept":  # the cases the residents' reports opened, still submitted
            lister = make()[0]
            lister.stats = Stats(10 ** 9, time.monotonic() + 3600)
            signed_in(lister)
            for page in range(1, 6):
                resp = lister.call("GET /cases", "GET", "/api/v1/cases",
                                   params={"status": "submitted", "page_size": 100, "page": page})
                submitted.extend(c["id"] for c in resp.json()["items"])
        out[name] = probe(name, make(), setup, seconds)
        print(f"  alone: {name:40} {out[name][0]:7.1f} req/s", flush=True)
    return out


def scrape(base: str) -> None:
    """What /metrics says after the run (the operator's view of the same load)."""
    text_ = requests.get(base + "/metrics", timeout=10).text
    series = [line for line in text_.splitlines() if line.startswith("reporter_http_requests_total{")]
    gauges = [line for line in text_.splitlines()
              if line.startswith(("reporter_outbox_messages", "reporter_cases_overdue"))]
    print(f"\n/metrics: {len(series)} request-count series; " + "; ".join(gauges))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of each mixed phase (at most 180)")
    parser.add_argument("--clients", type=int, default=8, help="client threads (residents:supervisors:inspectors "
                                                                 "about 2:1:1)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of unmeasured load first (at most 30)")
    parser.add_argument("--load", type=float, default=0.5, help="the offered rate, as a share of the mix's "
                                                                "saturation throughput")
    parser.add_argument("--probe", type=float, default=8.0, help="seconds each endpoint runs alone")
    parser.add_argument("--p99-ms", type=float, default=P99_MS, help="target p99 of every endpoint at the offered rate")
    args = parser.parse_args()
    duration = min(args.duration, 180.0)
    with private_redis() as redis_url:  # the run's own redis-server: nothing shared, nothing flushed
        verdict = run(args, duration, redis_url)
    verdict.exit()


def run(args, duration: float, redis_url: str) -> Verdict:
    verdict = Verdict("load")
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
        prepare(env, clients, clients)  # the probes sign in one account per client
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
              f"{make_url(db_url).database}, Redis {redis_url}; {len(workers)} clients; {args.warmup:.0f} s of "
              f"warm-up, then {duration:.0f} s saturated, {duration:.0f} s at {args.load:.0%} of that, then each "
              f"endpoint alone for {args.probe:.0f} s; photos {len(jpegs[0]) // 1024} KiB, 1600×1200", flush=True)
        run_phase(workers, Stats(args.max_requests, time.monotonic() + min(args.warmup, 30.0)))
        stats = Stats(args.max_requests, time.monotonic() + duration)
        started = time.perf_counter()
        run_phase(workers, stats)
        mix = report(stats, time.perf_counter() - started, "saturated mix (closed loop, no pauses)")
        saturation = sum(len(v) for v in stats.latency.values()) / (time.perf_counter() - started)
        offered = args.load * saturation
        began = time.monotonic()
        paced = Stats(args.max_requests, began + duration, interval=len(workers) / offered)
        started = time.perf_counter()
        run_phase(workers, paced)
        seconds = time.perf_counter() - started
        at_rate = report(paced, seconds, f"offered rate {offered:.1f} req/s ({args.load:.0%} of the mix's "
                                         f"saturation, {saturation:.1f} req/s)")
        # sent within the phase's window (rounds under way at its end finish after it, with fewer clients)
        delivered = sum(1 for t in paced.sent if t < paced.deadline) / duration
        verdict.at_least("offered rate delivered (share)", delivered / offered, 0.9)
        verdict.at_most("errors at the offered rate", sum(paced.errors.values()), 0)
        for name, (_, p50, p99) in sorted(at_rate.items()):
            verdict.at_most(f"p99 ms at the offered rate: {name} (p50 {p50 * 1000:.0f} ms)", p99 * 1000, args.p99_ms)
        print(f"\neach endpoint alone (closed loop, {len(workers)} clients, {args.probe:.0f} s)", flush=True)
        alone = probes(base, wechat, jpegs, env, len(workers), args.probe)
        for name, (rate, errors) in alone.items():
            verdict.at_most(f"errors alone: {name}", errors, 0)
            if name in mix:  # alone, an endpoint has the whole server: at least its rate within the mix
                verdict.at_least(f"saturation req/s alone: {name} (in the mix {mix[name][0]:.1f})", rate,
                                 mix[name][0])
        scrape(base)
    finally:
        if proc is not None:
            stop(proc)
        wechat.stop()
        drop_database(db_url, admin)
        shutil.rmtree(tmp, ignore_errors=True)
    return verdict


if __name__ == "__main__":
    main()
