"""Real processes for the fault and scale-out tests: gunicorn on a free port, PostgreSQL databases (a migrated
template cloned per test, or a private cluster of our own), and HTTP helpers that sign in as the mini-program does."""
import atexit
import io
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import requests
from PIL import Image
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
PG_BIN = Path("/usr/lib/postgresql")
SECRETS = {
    "SECRET_KEY": "fault-secret-key-0123456789abcdef0123456789",
    "JWT_SECRET_KEY": "fault-jwt-secret-0123456789abcdef0123456789",
    "CONTACT_ENCRYPTION_KEYS": "fault-contact-key-0123456789abcdef",
    "PAYEE_INDEX_KEYS": "fault-payee-index-key-0123456789abcdef",
}
# Settings the environment cannot carry: quick retries after a crash (the lease), cheap password hashing.
APP_CONFIG = {"IDEMPOTENCY_LEASE_S": 3, "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024, "ARGON2_PARALLELISM": 1,
              "ACCESS_LOG": False}
_seq = itertools.count(1)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_base() -> str:
    """The PostgreSQL server of the test run, or a skip saying why there is none."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: set TEST_DATABASE_URL (the second pass of .ci/run does)")
    return base


def migrate(url: str, *, reference: bool = True) -> None:
    """Build the schema (and load the reference data) in the database at `url`."""
    from flask_migrate import upgrade

    from reporter import create_app
    from reporter.extensions import db
    from reporter.reference import load_all

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": tempfile.mkdtemp(), **SECRETS})
    with app.app_context():
        upgrade(revision="heads")
        if reference:
            load_all()
        db.session.remove()
        db.engine.dispose()


_template: dict[str, str] = {}


def _admin(base: str):
    return create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _template_name(base: str) -> str:
    """A migrated database with the reference data, made once per run and cloned by `fresh_database`."""
    if base not in _template:
        name = f"reporter_faults_tpl_{uuid.uuid4().hex[:10]}"
        admin = _admin(base)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        atexit.register(_drop, base, name)
        migrate(make_url(base).set(database=name).render_as_string(hide_password=False))
        _template[base] = name
        admin.dispose()
    return _template[base]


def _drop(base: str, name: str) -> None:
    admin = _admin(base)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def fresh_database():
    """A PostgreSQL database of our own, migrated and loaded (a copy of the run's template); dropped afterwards."""
    base = postgres_base()
    template = _template_name(base)
    name = f"reporter_faults_{uuid.uuid4().hex[:10]}"
    admin = _admin(base)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        _drop(base, name)


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py` serving the app on a free 127.0.0.1 port, with its log in a file."""

    def __init__(self, workdir: Path, database_url: str, *, workers: int = 2, wechat_base: str = "",
                 env: dict | None = None, config: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / f"gunicorn-{self.port}.log"
        self.uploads = workdir / "uploads"
        instance = workdir / f"instance-{self.port}"
        instance.mkdir(parents=True, exist_ok=True)
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL", "TEST_DATABASE_URL"}},
            **SECRETS, "DATABASE_URL": database_url, "UPLOAD_ROOT": str(self.uploads),
            "REPORTER_INSTANCE": str(instance), "HOST": "127.0.0.1", "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers), "WECHAT_API_BASE": wechat_base or "http://127.0.0.1:9",
            "WECHAT_APPID": "wx-fault-app", "WECHAT_SECRET": "wx-fault-secret", "WECHAT_TIMEOUT_S": "2",
            "FAULT_APP_CONFIG": json.dumps({**APP_CONFIG, **(config or {})}), "LOG_LEVEL": "warning",
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> "Gunicorn":
        """Start and wait until /health answers (workers import the app: slow on a busy machine)."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "tests.faults.app:app"],
            cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer: {self.log_path.read_text()[-3000:]}")

    def workers(self) -> list[int]:
        """The pids of the live worker processes."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except FileNotFoundError:
            return []

    def stop(self) -> None:
        """SIGTERM the master (graceful), SIGKILL its group if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def flask_cli(database_url: str, uploads: Path, *args: str) -> str:
    """Run `flask <args>` (the operator's command line) against a database and upload folder; its output."""
    env = {**os.environ, **SECRETS, "FLASK_APP": "wsgi.py", "DATABASE_URL": database_url,
           "UPLOAD_ROOT": str(uploads), "REPORTER_INSTANCE": tempfile.mkdtemp()}
    env.pop("REDIS_URL", None)
    done = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def sign_in(base_url: str, wechat, name: str) -> dict:
    """A resident signed in through the WeChat stand-in, as the mini-program does it, who accepted the privacy
    notice; bearer headers."""
    code = f"fault-code-{name}-{next(_seq)}"
    wechat.login_code(code, f"fault-openid-{name}")
    resp = requests.post(f"{base_url}/api/v1/auth/wechat", json={"code": code}, timeout=10)
    assert resp.status_code == 200, resp.text
    headers = {"Authorization": f"Bearer {resp.json()['access_token']}"}
    current = requests.get(f"{base_url}/api/v1/privacy-notice", timeout=10).json()["current"]
    if current is not None:  # a database migrated without reference data has no notice (and takes no reports)
        accepted = requests.post(f"{base_url}/api/v1/me/consents", json={"version": current["version"]},
                                 headers=headers, timeout=10)
        assert accepted.status_code == 201, accepted.text
    return headers


def photo(seed: int, size: tuple[int, int] = (1600, 1200)) -> bytes:
    """A JPEG of its own (random texture scaled up: the pipeline has real decoding and resizing to do)."""
    rng = np.random.default_rng(seed)
    im = Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8), "RGB").resize(size)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90)
    return out.getvalue()


def upload(base_url: str, headers: dict, data: bytes, timeout: float = 20) -> requests.Response:
    """POST /uploads with one photo, as wx.uploadFile sends it."""
    return requests.post(f"{base_url}/api/v1/uploads", headers=headers, timeout=timeout,
                         files={"file": ("photo.jpg", data, "image/jpeg")}, data={"purpose": "report"})


def assert_error_shape(resp: requests.Response, *statuses: int) -> dict:
    """The response is one of the statuses, in the one error shape of API.md."""
    assert resp.status_code in statuses, (resp.status_code, resp.text[:500])
    body = resp.json()
    assert {"code", "status", "error", "message"} <= set(body), body
    assert body["code"] == resp.status_code
    return body


@contextmanager
def private_cluster(workdir_parent: str | None = None):
    """A PostgreSQL cluster of our own on a free port (initdb as the postgres user); yields (url, start, stop)."""
    versions = sorted(PG_BIN.glob("*/bin/initdb")) if PG_BIN.is_dir() else []
    if not versions:
        pytest.skip("needs PostgreSQL's server binaries (initdb, pg_ctl)")
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("needs root to run initdb as the postgres user")
    bindir = versions[-1].parent
    home = Path(tempfile.mkdtemp(prefix="reporter-pg-", dir=workdir_parent))
    shutil.chown(home, "postgres", "postgres")
    data = home / "data"
    port = free_port()

    def as_postgres(*cmd: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True,  # noqa: S603
                       timeout=60)

    as_postgres(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off"

    def start() -> None:
        as_postgres(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "log"), "-w", "start")

    def stop() -> None:
        as_postgres(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")

    start()
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", start, stop
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", str(bindir / "pg_ctl"), "-D", str(data),  # noqa: S603
                        "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(home, ignore_errors=True)
